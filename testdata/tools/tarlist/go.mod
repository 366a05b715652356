module example.com/tarlist

go 1.21
