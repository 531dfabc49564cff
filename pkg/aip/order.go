package aip

import (
	"fmt"
	"strings"
)

// orderKey is one column of the resolved order.
type orderKey struct {
	column string
	typ    FieldType
	desc   bool
}

// order parses order_by (or the default order when it is empty) and appends
// the tiebreak column unless the order already contains it.
func (s Schema) order(orderBy string) ([]orderKey, error) {
	if s.Tiebreak == "" {
		return nil, fmt.Errorf("aip: Schema.Tiebreak must be set")
	}
	src := orderBy
	if strings.TrimSpace(src) == "" {
		src = s.DefaultOrder
	}
	var keys []orderKey
	if strings.TrimSpace(src) != "" {
		var err error
		if keys, err = s.parseOrder(src); err != nil {
			if src != orderBy {
				return nil, fmt.Errorf("aip: invalid Schema.DefaultOrder %q: %v", src, err)
			}
			return nil, err
		}
	}
	for _, k := range keys {
		if k.column == s.Tiebreak {
			return keys, nil
		}
	}
	return append(keys, orderKey{column: s.Tiebreak}), nil
}

// parseOrder parses AIP-132 order_by: comma-separated "field [asc|desc]".
func (s Schema) parseOrder(src string) ([]orderKey, error) {
	fail := func(format string, a ...any) error {
		allowed := names(s.Fields, func(f Field) bool { return f.Orderable })
		return &Error{"order_by", fmt.Sprintf(format, a...) +
			`; write comma-separated fields, each optionally followed by "desc", from: ` + allowed}
	}
	seen := map[string]bool{}
	var keys []orderKey
	for i, item := range strings.Split(src, ",") {
		words := strings.Fields(item)
		if len(words) == 0 {
			return nil, fail("item %d is empty", i+1)
		}
		name := words[0]
		f, ok := s.Fields[name]
		switch {
		case !ok:
			return nil, fail("unknown field %q", name)
		case !f.Orderable:
			return nil, fail("cannot order by %q", name)
		case seen[name]:
			return nil, fail("%q appears more than once", name)
		}
		seen[name] = true
		desc := false
		if len(words) > 1 {
			switch strings.ToLower(words[1]) {
			case "asc":
			case "desc":
				desc = true
			default:
				return nil, fail("%q after %q is not asc or desc", words[1], name)
			}
		}
		if len(words) > 2 {
			return nil, fail("unexpected %q after %q", words[2], strings.Join(words[:2], " "))
		}
		keys = append(keys, orderKey{column: f.Column, typ: f.Type, desc: desc})
	}
	return keys, nil
}

func orderSQL(keys []orderKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.column + " ASC"
		if k.desc {
			parts[i] = k.column + " DESC"
		}
	}
	return strings.Join(parts, ", ")
}

// keyset returns the condition selecting the rows after values in the order
// of keys: (k1 > $a) OR (k1 = $a AND k2 < $b) OR ..., with < for descending keys.
func keyset(keys []orderKey, values []any, a *args) string {
	ph := make([]string, len(keys))
	for i, v := range values {
		ph[i] = a.add(v)
	}
	ors := make([]string, len(keys))
	for i, k := range keys {
		var ands []string
		for j := range i {
			ands = append(ands, keys[j].column+" = "+ph[j])
		}
		op := " > "
		if k.desc {
			op = " < "
		}
		ands = append(ands, k.column+op+ph[i])
		ors[i] = strings.Join(ands, " AND ")
		if i > 0 {
			ors[i] = "(" + ors[i] + ")"
		}
	}
	return strings.Join(ors, " OR ")
}
