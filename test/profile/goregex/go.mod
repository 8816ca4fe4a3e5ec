module leakbar.test/goregex

go 1.19
