module leakbar.bench/fdfloor

go 1.19
