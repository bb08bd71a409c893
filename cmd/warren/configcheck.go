package main

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decodeConfig decodes a config file strictly: a key the config does not
// know (readonly for read-only, ca-fil) or a value of the wrong type is an
// error with its line, because silently ignoring it could leave a context
// meant to be read-only writable.
func decodeConfig(data []byte, fc *fileConfig) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil // an empty file
	}
	if err := checkNode(doc.Content[0], reflect.TypeOf(*fc), ""); err != nil {
		return err
	}
	return doc.Content[0].Decode(fc)
}

// checkNode walks n beside the Go type t it will decode into.
func checkNode(n *yaml.Node, t reflect.Type, key string) error {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil // "key:" with nothing after it is the zero value
	}
	if t == reflect.TypeOf(endpointList("")) { // one string, or a list of them
		if n.Kind == yaml.SequenceNode {
			for _, e := range n.Content {
				if e.Kind != yaml.ScalarNode {
					return wrongType(e, key, "a string (one endpoint)")
				}
			}
			return nil
		}
		if n.Kind != yaml.ScalarNode {
			return wrongType(n, key, "a string or a list of strings")
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return wrongType(n, key, "a mapping of keys")
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" { // <<: *defaults brings in keys of the same kind
				if err := checkMerge(v, t, key); err != nil {
					return err
				}
				continue
			}
			f, ok := fields[k.Value]
			if !ok {
				return fmt.Errorf("line %d: unknown key %q%s (known: %s)", k.Line, k.Value, within(key), strings.Join(fieldNames(t), ", "))
			}
			if err := checkNode(v, f.Type, k.Value); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return wrongType(n, key, "a list")
		}
		for _, e := range n.Content {
			if err := checkNode(e, t.Elem(), key); err != nil {
				return err
			}
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			return wrongType(n, key, "true or false")
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return wrongType(n, key, "a string")
		}
	}
	return nil
}

func checkMerge(v *yaml.Node, t reflect.Type, key string) error {
	if v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	if v.Kind == yaml.SequenceNode {
		for _, e := range v.Content {
			if err := checkNode(e, t, key); err != nil {
				return err
			}
		}
		return nil
	}
	return checkNode(v, t, key)
}

func within(key string) string {
	if key == "" {
		return ""
	}
	return " under " + key
}

func wrongType(n *yaml.Node, key, want string) error {
	got := map[yaml.Kind]string{yaml.MappingNode: "a mapping", yaml.SequenceNode: "a list"}[n.Kind]
	if got == "" {
		got = fmt.Sprintf("%q", n.Value)
	}
	if key == "" {
		return fmt.Errorf("line %d: the file must be %s, not %s", n.Line, want, got)
	}
	return fmt.Errorf("line %d: key %q must be %s, not %s", n.Line, key, want, got)
}

// yamlFields maps the yaml names of t's fields; fields without a yaml tag
// are not part of the file.
func yamlFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name != "" && name != "-" {
			out[name] = f
		}
	}
	return out
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}
