module example.com/vcs

go 1.21
