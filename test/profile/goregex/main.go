// Reads {"patterns": [...], "inputs": [...]} on stdin and prints, for each pattern, Go's parse error or
// which inputs it matches: the reference for leakbar's translation of Go regexps (go-regex.test.ts).
package main

import (
	"encoding/json"
	"os"
	"regexp"
)

type result struct {
	Error   string `json:"error,omitempty"`
	Matches []bool `json:"matches,omitempty"`
}

func main() {
	var in struct {
		Patterns []string `json:"patterns"`
		Inputs   []string `json:"inputs"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	out := make([]result, len(in.Patterns))
	for i, p := range in.Patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			out[i].Error = err.Error()
			continue
		}
		out[i].Matches = make([]bool, len(in.Inputs))
		for j, s := range in.Inputs {
			out[i].Matches[j] = re.MatchString(s)
		}
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
