package e2e

// BenchmarkBuild is issue 9's performance benchmark: kbk build against the
// chain time (the longest parent chain alone, the floor on this daemon) and
// against Kolla's way (one buildctl build per image, each child after its
// parent was pushed and pulled back through the registry, 8 at a time), plus
// a no-op rebuild and the rebuild after one image's source changed. It also
// prints the machine's busy CPU time during each cold build: on a small
// machine the daemon's per-container work, not kbk, is what is left between
// kbk and the chain.

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
	"github.com/tonistiigi/fsutil"

	"github.com/kbk-dev/kbk/internal/testenv"
	"github.com/kbk-dev/kbk/plan"
	"github.com/kbk-dev/kbk/profiles"
	"github.com/kbk-dev/kbk/render"
)

// kollaWayThreads is kolla-build's default number of build threads.
const kollaWayThreads = 8

// benchProfile is a synthetic image tree: every image's work is one 2 s step.
type benchProfile struct {
	name    string
	parents map[string]string // image → parent; the root "base" has ""
	// changed is the image with a source (a local one in the repository),
	// which the change measurement edits.
	changed string
	// plugins are the changed image's plugins Kolla enables, which the bench
	// turns off: they are fetched from tarballs.opendev.org.
	plugins []string
}

func BenchmarkBuild(b *testing.B) {
	b.Run("small", func(b *testing.B) { runBuildBench(b, smallBenchProfile()) })
	b.Run("kolla-shaped", func(b *testing.B) {
		if os.Getenv("KBK_BENCH_KOLLA") != "1" {
			b.Skip("the full Kolla tree takes minutes: set KBK_BENCH_KOLLA=1")
		}
		runBuildBench(b, kollaBenchProfile(b))
	})
}

// smallBenchProfile is base → 3 mid images → 8 leaves under each: 28 images.
func smallBenchProfile() benchProfile {
	p := benchProfile{name: "small", parents: map[string]string{"base": ""}, changed: "bench-mid-1"}
	for i := range 3 {
		mid := fmt.Sprintf("bench-mid-%d", i)
		p.parents[mid] = "base"
		for j := range 8 {
			p.parents[fmt.Sprintf("bench-leaf-%d-%d", i, j)] = mid
		}
	}
	return p
}

// kollaBenchProfile is every image the pinned Kolla release builds for
// debian by default, with Kolla's parent links.
func kollaBenchProfile(b *testing.B) benchProfile {
	dir, _ := kollaTree(b)
	tree, err := render.LoadTree(dir)
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := plan.Load(plan.Request{Repo: b.TempDir(), Env: map[string]string{}, Tree: tree,
		Flags: []profiles.Flag{{Name: "base", Value: "debian"}}})
	if err != nil {
		b.Fatal(err)
	}
	im, err := cfg.ForArch(b.Context(), "x86_64")
	if err != nil {
		b.Fatal(err)
	}
	p := benchProfile{name: "kolla-shaped", parents: map[string]string{}, changed: "nova-base"}
	for _, n := range im.Selection.Selected() {
		parent, _ := im.Graph.Parent(n)
		p.parents[n] = parent
	}
	for n, parent := range p.parents {
		if _, ok := p.parents[parent]; parent != "" && !ok {
			b.Fatalf("%s is selected but its parent %s is not", n, parent)
		}
	}
	if _, ok := p.parents["base"]; !ok || p.parents["base"] != "" {
		b.Fatalf("Kolla's tree has no root image base: %v", p.parents)
	}
	if _, ok := p.parents[p.changed]; !ok {
		b.Fatalf("Kolla's debian selection has no %s", p.changed)
	}
	for _, src := range tree.Sources {
		if src.Enabled && strings.HasPrefix(src.Name, p.changed+"-plugin-") {
			p.plugins = append(p.plugins, src.Name)
		}
	}
	return p
}

// kollaTree finds the pinned Kolla release: the repository's kolla-docker/
// (make kolla-docker), else the reference venv (make venv). It returns the
// directory render.LoadTree reads and Kolla's python package in it.
func kollaTree(b testing.TB) (dir, pkg string) {
	root, err := testenv.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	dir = filepath.Join(root, "kolla-docker")
	if _, err := os.Stat(filepath.Join(dir, "kolla", "common", "config.py")); err == nil {
		return dir, filepath.Join(dir, "kolla")
	}
	venv := testenv.KollaVenv(b, testenv.Pins(b)["KOLLA_VERSION"])
	pkgs, _ := filepath.Glob(filepath.Join(venv.Dir, "lib", "python3*", "site-packages", "kolla"))
	if len(pkgs) == 0 {
		b.Skipf("no Kolla package in %s and no kolla-docker/ (make venv or make kolla-docker)", venv.Dir)
	}
	return venv.Dir, pkgs[0]
}

// descendants are the images built on name, directly or not.
func (p benchProfile) descendants(name string) []string {
	var out []string
	for n := range p.parents {
		for cur := p.parents[n]; cur != ""; cur = p.parents[cur] {
			if cur == name {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// depth is the length of the chain from the root to name.
func (p benchProfile) depth(name string) int {
	d := 0
	for cur := name; cur != ""; cur = p.parents[cur] {
		d++
	}
	return d
}

// deepest is the image at the end of the longest chain (the first by name
// among equals).
func (p benchProfile) deepest() string {
	best := ""
	for _, n := range slices.Sorted(maps.Keys(p.parents)) {
		if best == "" || p.depth(n) > p.depth(best) {
			best = n
		}
	}
	return best
}

// benchResult is one iteration's measurements.
type benchResult struct {
	kbk, chain, kollaWay, noop, change time.Duration
	// kbkCPU and kollaWayCPU are the machine's busy CPU time during the two
	// cold builds: the daemon's work, which bounds kbk on a small machine.
	kbkCPU, kollaWayCPU time.Duration
	kbkSelf             time.Duration // kbk's own share of kbkCPU
	kbkDebug            string        // kbk build's timings of the cold run
	chainLen            int
	rebuilt             []string
}

func runBuildBench(b *testing.B, p benchProfile) {
	w := newBenchWorld(b, p)
	// The machine is shared and one run is noisy: -benchtime Nx runs N
	// iterations and the table shows each measurement's median.
	var runs []benchResult
	for i := 0; b.Loop(); i++ {
		runs = append(runs, w.iteration(b, p, fmt.Sprintf("%d-%d", i, time.Now().UnixNano())))
	}
	r := medianResult(runs)
	n := len(p.parents)
	ratio := func(a, b time.Duration) float64 { return a.Seconds() / b.Seconds() }
	row := func(label string, d time.Duration) string { return fmt.Sprintf("  %-44s %6.2fs", label, d.Seconds()) }
	table := fmt.Sprintf(`kbk build benchmark, profile %s: %d images, each one "RUN sleep 2", cold (daemon cache pruned), push to a local registry; median of %d run(s)
%s   CPU %5.2fs of %d cores, kbk's own %.2fs
%s   kbk/chain     %.2f
%s   kolla-way/kbk %.2f   CPU %5.2fs
%s
%s   %s's: it and %d below it rebuilt: %s
%s`, p.name, n, len(runs),
		row("kbk build (one session)", r.kbk), r.kbkCPU.Seconds(), runtime.NumCPU(), r.kbkSelf.Seconds(),
		row(fmt.Sprintf("chain alone (%d images)", r.chainLen), r.chain), ratio(r.kbk, r.chain),
		row(fmt.Sprintf("Kolla's way (buildctl per image, %d threads)", kollaWayThreads), r.kollaWay), ratio(r.kollaWay, r.kbk), r.kollaWayCPU.Seconds(),
		row("no-op rebuild (kbk build)", r.noop),
		row("after changing one source", r.change), p.changed, len(r.rebuilt)-1, strings.Join(r.rebuilt, " "), r.kbkDebug)
	fmt.Print(table)
	b.Log("\n" + table)
	b.ReportMetric(r.kbk.Seconds(), "kbk-s")
	b.ReportMetric(r.chain.Seconds(), "chain-s")
	b.ReportMetric(r.kollaWay.Seconds(), "kollaway-s")
	b.ReportMetric(ratio(r.kbk, r.chain), "kbk/chain")
	b.ReportMetric(ratio(r.kollaWay, r.kbk), "kollaway/kbk")
	b.ReportMetric(r.noop.Seconds(), "noop-s")
	b.ReportMetric(r.kbkCPU.Seconds(), "kbk-cpu-s")
	b.ReportMetric(r.kollaWayCPU.Seconds(), "kollaway-cpu-s")
	b.ReportMetric(r.change.Seconds(), "change-s")
}

// medianResult is the median of each measurement over runs (the rebuilt
// images and timings of the kbk build debug lines are the last run's).
func medianResult(runs []benchResult) benchResult {
	r := runs[len(runs)-1]
	median := func(get func(benchResult) time.Duration) time.Duration {
		var ds []time.Duration
		for _, run := range runs {
			ds = append(ds, get(run))
		}
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	r.kbk = median(func(x benchResult) time.Duration { return x.kbk })
	r.chain = median(func(x benchResult) time.Duration { return x.chain })
	r.kollaWay = median(func(x benchResult) time.Duration { return x.kollaWay })
	r.noop = median(func(x benchResult) time.Duration { return x.noop })
	r.change = median(func(x benchResult) time.Duration { return x.change })
	r.kbkCPU = median(func(x benchResult) time.Duration { return x.kbkCPU })
	r.kbkSelf = median(func(x benchResult) time.Duration { return x.kbkSelf })
	r.kollaWayCPU = median(func(x benchResult) time.Duration { return x.kollaWayCPU })
	return r
}

// iteration measures everything once; nonce makes this iteration's steps
// and pushed layers its own.
func (w *benchWorld) iteration(b *testing.B, p benchProfile, nonce string) benchResult {
	var r benchResult
	n := len(p.parents)
	tag := "kbk-" + nonce

	w.prune(b)
	cpu := machineCPU(b)
	run := w.kbk(b, tag, tag)
	r.kbk, r.kbkSelf, r.kbkCPU = run.took, run.cpu, machineCPU(b)-cpu
	r.kbkDebug = debugLines(run.out)
	if len(run.summary.Built) != n {
		b.Fatalf("kbk build built %d images, want %d", len(run.summary.Built), n)
	}

	run = w.kbk(b, tag, tag)
	r.noop = run.took
	if ran := ranSteps(run.out); len(ran) != 0 {
		b.Errorf("the no-op rebuild ran steps of %v", ran)
	}

	w.writeSource(b, p, "changed")
	run = w.kbk(b, tag, tag)
	w.writeSource(b, p, "")
	r.change, r.rebuilt = run.took, ranSteps(run.out)
	if want := append(p.descendants(p.changed), p.changed); !sameSet(r.rebuilt, want) {
		b.Errorf("after changing %s, images that ran steps: %v; want %v", p.changed, r.rebuilt, want)
	}

	w.prune(b)
	leaf := p.deepest()
	r.chainLen = p.depth(leaf)
	tag = "chain-" + nonce
	run = w.kbk(b, tag, tag, "--target", leaf)
	r.chain = run.took
	if len(run.summary.Built) != r.chainLen {
		b.Fatalf("the chain to %s built %d images, want %d", leaf, len(run.summary.Built), r.chainLen)
	}

	w.prune(b)
	cpu = machineCPU(b)
	r.kollaWay = w.kollaWay(b, p, "kolla-"+nonce)
	r.kollaWayCPU = machineCPU(b) - cpu
	return r
}

// benchWorld is a synthetic Kolla tree (Kolla's python package, our
// templates), a configuration repository and a busybox base image.
type benchWorld struct {
	kbkBin    string
	buildctl  string // for Kolla's way
	addr      string
	registry  string
	namespace string
	kollaDir  string
	repo      string
	baseImage string // with its tag
	c         *client.Client
}

func newBenchWorld(b testing.TB, p benchProfile) *benchWorld {
	addr, reg := testenv.BuildkitAddr(b), testenv.Registry(b)
	if _, err := exec.LookPath("busybox"); err != nil {
		b.Skip("busybox is not installed (apt-get install busybox-static)")
	}
	buildctl := testenv.Buildctl(b) // for Kolla's way
	_, pkg := kollaTree(b)
	root := b.TempDir()
	w := &benchWorld{
		kbkBin:    filepath.Join(root, "bin", "kbk"),
		buildctl:  buildctl,
		addr:      addr,
		registry:  reg,
		namespace: fmt.Sprintf("kbk-bench-%d", time.Now().UnixNano()),
		kollaDir:  filepath.Join(root, "kolla"),
		repo:      filepath.Join(root, "repo"),
	}
	// kbk build runs as the binary: its code is package main.
	if out, err := exec.Command("go", "build", "-o", w.kbkBin, "github.com/kbk-dev/kbk/cmd/kbk").CombinedOutput(); err != nil {
		b.Fatalf("go build kbk: %v\n%s", err, out)
	}
	for name := range p.parents {
		w.writeTemplate(b, p, name)
	}
	if p.changed != "" {
		w.writeSource(b, p, "")
	}
	if err := os.Symlink(pkg, filepath.Join(w.kollaDir, "kolla")); err != nil {
		b.Fatal(err)
	}
	c, err := client.New(b.Context(), addr)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	w.c = c
	w.pushBusybox(b)
	conf := fmt.Sprintf("[DEFAULT]\nbase = debian\nbase_image = %s\nbase_tag = bookworm\nregistry = %s\nnamespace = %s\n",
		strings.TrimSuffix(w.baseImage, ":bookworm"), w.registry, w.namespace)
	if p.changed != "" {
		conf += fmt.Sprintf("\n[%s]\ntype = local\nlocation = %s\n", p.changed, w.sourceDir(p))
	}
	for _, plugin := range p.plugins {
		conf += fmt.Sprintf("\n[%s]\nenabled = false\n", plugin)
	}
	writeBenchFile(b, filepath.Join(w.repo, "kolla-build.conf"), conf)
	return w
}

// writeTemplate writes an image's Dockerfile.j2: FROM its parent (the base
// image for the root), the source of the image that has one, then one 2 s
// step whose echo is unique to the image and the run's nonce.
func (w *benchWorld) writeTemplate(b testing.TB, p benchProfile, name string) {
	from := "{{ namespace }}/{{ image_prefix }}" + p.parents[name] + ":{{ tag }}"
	if p.parents[name] == "" {
		from = "{{ base_image }}:{{ base_distro_tag }}"
	}
	text := "FROM " + from + "\n"
	if name == p.changed {
		text += "ADD " + name + "-archive /bench-source\n"
	}
	text += fmt.Sprintf("RUN sleep 2 && echo %s {{ env.KBK_BENCH_NONCE }} >> /kbk-bench\n", name)
	writeBenchFile(b, filepath.Join(w.kollaDir, "docker", name, "Dockerfile.j2"), text)
}

// sourceDir is the local source of the changed image, in the repository.
func (w *benchWorld) sourceDir(p benchProfile) string {
	return filepath.Join(w.repo, "sources", p.changed)
}

// writeSource writes the changed image's source: a file whose content is
// edit.
func (w *benchWorld) writeSource(b testing.TB, p benchProfile, edit string) {
	writeBenchFile(b, filepath.Join(w.sourceDir(p), "CHANGES"), "release notes "+edit+"\n")
}

// pushBusybox pushes the host's static busybox as the base image.
func (w *benchWorld) pushBusybox(b testing.TB) {
	dir := b.TempDir()
	bb, _ := exec.LookPath("busybox")
	dt, err := os.ReadFile(bb)
	if err != nil {
		b.Fatal(err)
	}
	writeBenchFile(b, filepath.Join(dir, "rootfs", "bin", "busybox"), string(dt))
	if err := os.Chmod(filepath.Join(dir, "rootfs", "bin", "busybox"), 0o755); err != nil {
		b.Fatal(err)
	}
	writeBenchFile(b, filepath.Join(dir, "Dockerfile"), "FROM scratch\nCOPY rootfs/ /\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n")
	w.baseImage = w.registry + "/" + w.namespace + "/busybox:bookworm"
	if err := w.solveDockerfile(b.Context(), dir, w.baseImage); err != nil {
		b.Fatalf("pushing the busybox base image: %v", err)
	}
}

// solveDockerfile builds dir/Dockerfile with the dockerfile frontend and
// pushes it as ref: what a kolla-build thread does for one image.
func (w *benchWorld) solveDockerfile(ctx context.Context, dir, ref string) error {
	fs, err := fsutil.NewFS(dir)
	if err != nil {
		return err
	}
	_, err = w.c.Solve(ctx, nil, client.SolveOpt{
		Frontend:    "dockerfile.v0",
		LocalMounts: map[string]fsutil.FS{"context": fs, "dockerfile": fs},
		Exports: []client.ExportEntry{{Type: client.ExporterImage, Attrs: map[string]string{
			"name": ref, "push": "true", "registry.insecure": "true",
		}}},
	}, nil)
	return err
}

// buildctlBuild builds dir/Dockerfile with one buildctl process and pushes
// it as ref.
func (w *benchWorld) buildctlBuild(b testing.TB, dir, ref string) error {
	cmd := exec.CommandContext(b.Context(), w.buildctl, "--addr", w.addr, "build", "--progress", "quiet",
		"--frontend", "dockerfile.v0", "--local", "context="+dir, "--local", "dockerfile="+dir,
		"--output", "type=image,name="+ref+",push=true,registry.insecure=true")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	return nil
}

// prune empties the daemon's build cache, for a cold run.
func (w *benchWorld) prune(b testing.TB) {
	if err := w.c.Prune(b.Context(), nil, client.PruneAll); err != nil {
		b.Fatalf("pruning the build cache: %v", err)
	}
}

// kbkRun is one run of kbk build.
type kbkRun struct {
	took    time.Duration // wall time
	cpu     time.Duration // kbk's own CPU time, user and system
	summary kbkSummary
	out     string // the plain progress output
}

// kbk runs kbk build on every image of the world (or args) with the nonce in
// the templates' environment, pushing with tag; a failed build fails b.
func (w *benchWorld) kbk(b testing.TB, nonce, tag string, args ...string) kbkRun {
	run, err := w.runKbk(b, nonce, tag, args...)
	if err != nil {
		b.Fatalf("%v\n%s", err, run.out)
	}
	return run
}

// runKbk is kbk, returning a failed build's error with what it did.
func (w *benchWorld) runKbk(b testing.TB, nonce, tag string, args ...string) (kbkRun, error) {
	summary := filepath.Join(b.TempDir(), "summary.json")
	full := append([]string{"build", "--debug", "--addr", w.addr, "--progress", "plain", "--repo", w.repo, "--kolla-dir", w.kollaDir,
		"--summary-json", summary, "--retries", "0", "--push", "--tag", tag}, args...)
	cmd := exec.Command(w.kbkBin, full...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + b.TempDir(), "KBK_BENCH_NONCE=" + nonce}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	run := kbkRun{took: time.Since(start), out: out.String()}
	if cmd.ProcessState != nil {
		run.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if _, serr := os.Stat(summary); serr == nil {
		run.summary = readSummary(b, summary)
	}
	if err != nil {
		return run, fmt.Errorf("kbk %s: %w", strings.Join(full, " "), err)
	}
	return run, nil
}

// kollaWay builds every image the way kolla-build does: one buildctl build
// per image with the dockerfile frontend (as kolla-build runs one docker
// build or docker buildx build per image), a child only after its parent was
// pushed, its FROM pulling the parent from the registry, kollaWayThreads at a
// time.
func (w *benchWorld) kollaWay(b testing.TB, p benchProfile, tag string) time.Duration {
	ns := w.namespace + "-kolla"
	ref := func(name string) string { return w.registry + "/" + ns + "/" + name + ":" + tag }
	root := b.TempDir()
	for name, parent := range p.parents {
		from := w.baseImage
		if parent != "" {
			from = ref(parent)
		}
		add := ""
		if name == p.changed {
			// kolla-build puts an image's source in its build context.
			add = "ADD " + name + "-archive /bench-source\n"
			writeBenchFile(b, filepath.Join(root, name, name+"-archive", "CHANGES"), "release notes \n")
		}
		writeBenchFile(b, filepath.Join(root, name, "Dockerfile"),
			fmt.Sprintf("FROM %s\n%sRUN sleep 2 && echo %s %s >> /kbk-bench\n", from, add, name, tag))
	}
	done := map[string]chan struct{}{}
	for name := range p.parents {
		done[name] = make(chan struct{})
	}
	var mu sync.Mutex
	errs := map[string]error{}
	threads := make(chan struct{}, kollaWayThreads)
	var wg sync.WaitGroup
	start := time.Now()
	for name, parent := range p.parents {
		wg.Go(func() {
			defer close(done[name])
			if parent != "" {
				<-done[parent]
				mu.Lock()
				failed := errs[parent] != nil
				mu.Unlock()
				if failed {
					return
				}
			}
			threads <- struct{}{}
			err := w.buildctlBuild(b, filepath.Join(root, name), ref(name))
			<-threads
			if err != nil {
				mu.Lock()
				errs[name] = err
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	for name, err := range errs {
		b.Errorf("Kolla's way, %s: %v", name, err)
	}
	if len(errs) > 0 {
		b.FailNow()
	}
	return took
}

// machineCPU is the time every CPU of the machine has spent busy since boot
// (/proc/stat: all but idle and iowait, in USER_HZ ticks of 10 ms).
func machineCPU(b testing.TB) time.Duration {
	dt, err := os.ReadFile("/proc/stat")
	if err != nil {
		b.Fatal(err)
	}
	line, _, _ := strings.Cut(string(dt), "\n")
	fields := strings.Fields(line)
	if len(fields) < 5 || fields[0] != "cpu" {
		b.Fatalf("/proc/stat starts with %q, not the cpu line", line)
	}
	var ticks int64
	for i, f := range fields[1:] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			b.Fatalf("/proc/stat: %q: %v", line, err)
		}
		if i != 3 && i != 4 { // idle, iowait
			ticks += n
		}
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// debugLines are the "debug:" lines of kbk's output, indented.
func debugLines(out string) string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "debug: ") {
			lines = append(lines, "  kbk build, cold: "+strings.TrimPrefix(l, "debug: ")+"\n")
		}
	}
	return strings.Join(lines, "")
}

func writeBenchFile(b testing.TB, path, content string) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		b.Fatal(err)
	}
}
