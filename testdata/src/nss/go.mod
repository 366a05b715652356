module example.com/nss

go 1.21
