module github.com/vigilcp/vigil

go 1.26.8
