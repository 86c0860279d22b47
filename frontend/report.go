package frontend

import (
	"github.com/containerd/platforms"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// ReportFile is the file of the result of a build without target.
const ReportFile = "kbk-report.json"

// ReportMetaKey is the result metadata key holding the report too.
const ReportMetaKey = "kbk.report"

// Report lists the images a build without target built.
type Report struct {
	Images []ReportImage `json:"images"`
}

// ReportImage is one built image.
type ReportImage struct {
	Name      string           `json:"name"`
	Ref       string           `json:"ref"`
	Platforms []ReportPlatform `json:"platforms"`
}

// ReportPlatform is one platform of a built image.
type ReportPlatform struct {
	Platform string `json:"platform"`
	// LLBDigest identifies the image's build: the digest of its last LLB vertex.
	LLBDigest digest.Digest `json:"llbDigest"`
	// ConfigDigest is the digest of the image config as converted; an exporter
	// adds layers and history to it, so a pushed image's config differs.
	ConfigDigest digest.Digest `json:"convertedConfigDigest"`
}

// newReport lists the images built for each platform, in name order.
func newReport(plats []ocispecs.Platform, built []map[string]*Converted, heads []map[string]digest.Digest) Report {
	var report Report
	index := map[string]int{}
	for i, convs := range built {
		for _, name := range sortedNames(convs) {
			conv := convs[name]
			j, ok := index[name]
			if !ok {
				j = len(report.Images)
				index[name] = j
				report.Images = append(report.Images, ReportImage{Name: name, Ref: conv.Ref})
			}
			report.Images[j].Platforms = append(report.Images[j].Platforms, ReportPlatform{
				Platform:     platforms.FormatAll(platforms.Normalize(plats[i])),
				LLBDigest:    heads[i][name],
				ConfigDigest: digest.FromBytes(conv.Config),
			})
		}
	}
	return report
}
