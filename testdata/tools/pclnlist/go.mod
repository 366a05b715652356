module example.com/pclnlist

go 1.21
