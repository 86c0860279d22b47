package jinja

// generator is a one-shot Python iterator, as returned by map, select, unique,
// items and reverse: always true, no len(), empty once consumed.
type generator struct {
	items    []any
	name     string
	consumed bool
}

func newGenerator(name string, items []any) *generator {
	return &generator{items: items, name: name}
}

func (g *generator) take() []any {
	if g.consumed {
		return nil
	}
	g.consumed = true
	return g.items
}
