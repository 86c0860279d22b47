package frontend

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/grpcerrors"
	"google.golang.org/grpc/status"
)

// imageError names the image a build error belongs to.
//
// Errors of a solve reach the frontend as gRPC statuses carrying BuildKit's
// details (the failing Dockerfile lines, the vertex). When the frontend returns
// an error, BuildKit sends the first status it finds in the chain, which would
// drop a plain wrapper's message; GRPCStatus keeps the details and puts the
// image name in front of the message.
type imageError struct {
	image string
	err   error
}

func (e *imageError) Error() string { return fmt.Sprintf("image %q: %v", e.image, e.err) }

func (e *imageError) Unwrap() error { return e.err }

// GRPCStatus returns the wrapped error's status with this error's message.
func (e *imageError) GRPCStatus() *status.Status {
	st, ok := grpcerrors.AsGRPCStatus(e.err)
	if !ok || st == nil {
		return status.New(grpcerrors.Code(e.err), e.Error())
	}
	p := st.Proto()
	p.Message = e.Error()
	return status.FromProto(p)
}

// WithSource attaches a file and a position to err as a BuildKit source, so
// that clients such as `docker buildx build` print the snippet around it. The
// planner uses it for template errors (file, line and column of the template);
// line and column start at 1, and a column of 0 marks the whole line.
func WithSource(err error, filename string, data []byte, line, column int) error {
	if err == nil {
		return nil
	}
	start, end := &pb.Position{Line: int32(line), Character: int32(column)}, &pb.Position{Line: int32(line), Character: int32(column)}
	if column == 0 {
		end.Character = int32(lineLength(data, line))
	}
	return errdefs.WithSource(err, &errdefs.Source{
		Info:   &pb.SourceInfo{Filename: filename, Data: data, Language: sourceLanguage(filename)},
		Ranges: []*pb.Range{{Start: start, End: end}},
	})
}

func lineLength(data []byte, line int) int {
	for i, l := range bytes.Split(data, []byte("\n")) {
		if i+1 == line {
			return len(l)
		}
	}
	return 0
}

func sourceLanguage(filename string) string {
	if strings.HasSuffix(filename, ".j2") {
		return "Jinja"
	}
	return "Dockerfile"
}
