module github.com/opennca/nca

go 1.26.8
