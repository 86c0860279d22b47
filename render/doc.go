// Package render turns a Kolla tree plus build options into Dockerfiles that are
// byte-identical to Python Kolla's: it loads the tree (templates and Kolla's Python
// data), builds the template context, and provides Kolla's template functions.
package render
