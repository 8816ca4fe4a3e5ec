module leakbar.bench/manymaps

go 1.19
