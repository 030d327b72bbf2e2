package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// examples are the lines that end each command's --help, by command path.
// Every command that takes arguments or flags has two or three; each runs
// as typed (TestHelpExamples parses them all).
var examples = map[string][]string{
	"up": {
		"devhook up --mock",
		"devhook up --app 3001 --port 3000",
		"devhook up --space 2001 --event task.create --forward-to http://localhost:8000/podio",
	},
	"mock": {
		"devhook mock --allow-any-port",
		"devhook mock --clock manual --addr 127.0.0.1:0",
		"devhook mock --seed seed.json --state mock-state.json",
	},
	"trigger": {
		"devhook trigger item.create --to http://localhost:3000/hook --set item_id=42",
		"devhook trigger item.update --to http://localhost:3000/hook -n 200 -c 20",
		"devhook trigger comment.create --mock http://127.0.0.1:8080",
	},
	"deliveries": {
		"devhook deliveries --last 5",
		"devhook deliveries --type item.create --hook 101",
		"devhook deliveries --json",
	},
	"replay": {
		"devhook replay k3f9a2-17",
		"devhook replay k3f9a2-17 --to http://localhost:3000/podio/hook",
	},
	"hooks": {
		"devhook hooks list --mock http://127.0.0.1:8080 --app 3001",
		"devhook hooks create --app 3001 --event item.create --url https://example.com/hook",
		"devhook hooks verify 101 --code CODE",
	},
	"hooks list": {
		"devhook hooks list --app 3001",
		"devhook hooks list --mock http://127.0.0.1:8080 --app 3001 --json",
	},
	"hooks create": {
		"devhook hooks create --app 3001 --event item.create --url https://example.com/hook",
		"devhook hooks create --mock http://127.0.0.1:8080 --space 2001 --event task.create --url https://example.com/hook",
	},
	"hooks delete": {
		"devhook hooks delete 101 102",
		"devhook hooks delete 101 --mock http://127.0.0.1:8080",
	},
	"hooks verify": {
		"devhook hooks verify 101",
		"devhook hooks verify 101 --code CODE",
	},
	"fixtures": {
		"devhook fixtures list",
		"devhook fixtures show item.create",
	},
	"fixtures show": {
		"devhook fixtures show item.create",
		"devhook fixtures show file.change",
	},
}

// setExamples ends the help of c and its subcommands, at path, with their
// examples.
func setExamples(c *cli.Command, path string) {
	if ex := examples[path]; len(ex) > 0 {
		base := cli.CommandHelpTemplate
		if len(c.Subcommands) > 0 {
			base = cli.SubcommandHelpTemplate
		}
		c.CustomHelpTemplate = base + "\nEXAMPLES:\n" + strings.Join(ex, "\n") + "\n"
	}
	for _, sub := range c.Subcommands {
		setExamples(sub, path+" "+sub.Name)
	}
}
