package trace

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/vtep/vtep/api"
	"github.com/vtep/vtep/pipeline"
)

var (
	traceBridgeRe = regexp.MustCompile(`^bridge\("(.*)"\)$`)
	traceStepRe   = regexp.MustCompile(`^( *)(\d+)\. (.*)$`)
)

// ParseTrace parses ofproto/trace's text: per bridge, the tables visited
// (indented by resubmit depth) with the matching flow's match, priority and
// cookie, its actions and OVS's notes on them ("->", ">>"), then the final
// flow, megaflow and datapath actions. Cookies are decoded; table names,
// explanations and outputs are added by Explain.
func ParseTrace(text string) (api.TraceResult, error) {
	res := api.TraceResult{Raw: text, Steps: []api.TraceStep{}, Outputs: []api.TraceOutput{}}
	bridge := ""
	var stack []int // indices of open steps, outermost first
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, " \r")
		body := strings.TrimLeft(line, " ")
		indent := len(line) - len(body)
		switch {
		case body == "" || strings.Trim(body, "-") == "":
			continue
		case indent == 0 && strings.HasPrefix(body, "Flow: "):
			continue
		case indent == 0 && strings.HasPrefix(body, "Final flow: "):
			res.FinalFlow = strings.TrimPrefix(body, "Final flow: ")
			continue
		case indent == 0 && strings.HasPrefix(body, "Megaflow: "):
			res.Megaflow = strings.TrimPrefix(body, "Megaflow: ")
			continue
		case indent == 0 && strings.HasPrefix(body, "Datapath actions: "):
			res.DatapathActions = strings.TrimPrefix(body, "Datapath actions: ")
			continue
		}
		if m := traceBridgeRe.FindStringSubmatch(body); m != nil && indent == 0 {
			bridge, stack = m[1], nil
			continue
		}
		if m := traceStepRe.FindStringSubmatch(line); m != nil {
			table, err := strconv.ParseUint(m[2], 10, 8)
			if err != nil {
				return res, fmt.Errorf("trace line %q: table %q: %w", line, m[2], err)
			}
			st := api.TraceStep{Bridge: bridge, Depth: max(0, (len(m[1])+len(m[2])-2)/4), Table: uint8(table), Actions: []api.TraceAction{}}
			if err := parseStepHeader(m[3], &st); err != nil {
				return res, fmt.Errorf("trace line %q: %w", line, err)
			}
			for len(stack) > 0 && res.Steps[stack[len(stack)-1]].Depth >= st.Depth {
				stack = stack[:len(stack)-1]
			}
			res.Steps = append(res.Steps, st)
			stack = append(stack, len(res.Steps)-1)
			continue
		}
		if len(stack) == 0 {
			// text outside any table (e.g. OVS's own remarks): keep it raw only
			continue
		}
		for len(stack) > 1 && 4+8*res.Steps[stack[len(stack)-1]].Depth > indent {
			stack = stack[:len(stack)-1]
		}
		st := &res.Steps[stack[len(stack)-1]]
		if strings.HasPrefix(body, "->") || strings.HasPrefix(body, ">>") {
			note := strings.TrimSpace(body[2:])
			if n := len(st.Actions); n > 0 {
				st.Actions[n-1].Notes = append(st.Actions[n-1].Notes, note)
			} else {
				st.Notes = append(st.Notes, note)
			}
			continue
		}
		st.Actions = append(st.Actions, api.TraceAction{Action: body})
	}
	if len(res.Steps) == 0 {
		return res, fmt.Errorf("trace: no table steps in ofproto/trace output %q", firstLine(text))
	}
	return res, nil
}

// parseStepHeader reads "MATCH, priority N, cookie 0xC" (match and cookie
// optional) or a miss ("No match.").
func parseStepHeader(h string, st *api.TraceStep) error {
	if i := strings.LastIndex(h, ", cookie "); i >= 0 {
		c, err := strconv.ParseUint(strings.TrimPrefix(h[i+len(", cookie "):], "0x"), 16, 64)
		if err != nil {
			return fmt.Errorf("cookie %q: %w", h[i+len(", cookie "):], err)
		}
		h = h[:i]
		st.Cookie = fmt.Sprintf("0x%x", c)
		if ck := pipeline.Cookie(c); ck.IsVtep() {
			st.Feature = ck.Feature().String()
			st.VNI = ck.VNI()
			st.Learned = ck.Feature().Learned()
		}
	}
	prio := ""
	switch {
	case strings.HasPrefix(h, "priority "):
		prio = strings.TrimPrefix(h, "priority ")
	case strings.Contains(h, ", priority "):
		i := strings.LastIndex(h, ", priority ")
		st.Match, prio = h[:i], h[i+len(", priority "):]
	default:
		st.Miss = true
		st.Notes = append(st.Notes, h)
		return nil
	}
	p, err := strconv.Atoi(prio)
	if err != nil {
		return fmt.Errorf("priority %q: %w", prio, err)
	}
	st.Priority = p
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
