// Command devhookbench measures devhook as a user load-tests it: the built
// devhook binary and the loads and receivers each run in a process of
// their own, everything on 127.0.0.1, every run bounded in count and time.
// scripts/bench builds it and runs
//
//	devhookbench run -devhook ./devhook [-devhook base=./devhook-base]
//
// which prints, beside each devhook figure, the same load against a plain
// net/http process. Its other subcommands are those processes:
//
//	devhookbench receive   a receiver that answers 200 and counts
//	devhookbench serve     a plain net/http server answering fixed bytes
//	devhookbench load      16 workers sending one request many times
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: devhookbench run|receive|serve|load [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = runBench(os.Args[2:])
	case "receive":
		err = receive(os.Args[2:])
	case "serve":
		err = serve(os.Args[2:])
	case "load":
		err = loadCmd(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "devhookbench: %v\n", err)
		os.Exit(1)
	}
}
