module gostatic.local/gosym-funcs

go 1.21
