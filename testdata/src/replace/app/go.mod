module example.com/app

go 1.21

require example.com/greeting v0.0.0

replace example.com/greeting => ../greeting
