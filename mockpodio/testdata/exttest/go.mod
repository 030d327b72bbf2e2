module example.com/exttest

go 1.26

require github.com/devhookhq/devhook v0.0.0

replace github.com/devhookhq/devhook => ../../..
