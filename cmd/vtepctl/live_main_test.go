package main

import (
	"os"
	"testing"

	"github.com/vtep/vtep/labs/labstest"
)

// vtepdBin is the vtepd binary the live-lab tests run, built once by TestMain.
var vtepdBin string

func TestMain(m *testing.M) { os.Exit(labstest.Main(m, &vtepdBin)) }
