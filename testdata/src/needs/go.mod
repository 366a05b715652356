module example.com/needs

go 1.21
