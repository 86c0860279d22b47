package render

// Setting returns the effective value of a kolla-build option (by its conf
// name: "tag", "namespace", "registry", "image_name_prefix", "base_tag", …)
// after Kolla's defaults were applied, as this renderer's templates see it,
// printed as Python would. Callers name images with it (graph, frontend).
func (rn *Renderer) Setting(name string) string { return rn.worker.conf.str(name) }
