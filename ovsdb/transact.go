package ovsdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// transact runs ops as one transaction request. The comment op at the end
// only labels the transaction in ovsdb-server's log ("vtep: WHAT (txn N)");
// the reply is matched to the request by its JSON-RPC id, like every reply.
func (c *Client) transact(ctx context.Context, what string, ops []Op) ([]Result, error) {
	s := c.session()
	if s == nil {
		return nil, &ConnError{Target: c.target, Err: ErrDisconnected}
	}
	params := make([]any, 0, len(ops)+2)
	params = append(params, c.db)
	for i, op := range ops {
		b, err := op.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("operation %d (%T): %w", i, op, err)
		}
		params = append(params, json.RawMessage(b))
	}
	params = append(params, Comment{Comment: fmt.Sprintf("vtep: %s (txn %d)", what, c.txnSeq.Add(1))})
	r, err := s.wire.call(ctx, "transact", params, nil)
	switch {
	case errors.Is(err, ErrDisconnected):
		return nil, &ConnError{Target: c.target, Err: err}
	case err != nil:
		return nil, err
	case r.Error != nil:
		return nil, newTransactError(ops, -1, r.Error.Error, r.Error.Details)
	}
	return decodeTransactResult(r.Result, ops)
}

// opResult is one element of a transact reply's result array.
type opResult struct {
	UUID    json.RawMessage `json:"uuid"`
	Count   int             `json:"count"`
	Rows    []Row           `json:"rows"`
	Error   string          `json:"error"`
	Details string          `json:"details"`
}

// decodeTransactResult decodes the result array of a transact reply: one
// element per op, then the comment's; a failed op's element carries its
// error and the ones after it may be null; an error after the last op is
// the commit's.
func decodeTransactResult(raw json.RawMessage, ops []Op) ([]Result, error) {
	var elems []*opResult
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, fmt.Errorf("decode transact reply: %w", err)
	}
	results := make([]Result, 0, len(ops))
	for i, o := range elems {
		if o == nil {
			continue
		}
		if o.Error != "" {
			return nil, newTransactError(ops, i, o.Error, o.Details)
		}
		if i >= len(ops) {
			continue // the comment
		}
		res := Result{Count: o.Count, Rows: o.Rows}
		if len(o.UUID) > 0 {
			a, err := decodeAtom(o.UUID)
			if err != nil {
				return nil, fmt.Errorf("decode result of operation %d: uuid: %w", i, err)
			}
			u, ok := a.(UUID)
			if !ok {
				return nil, fmt.Errorf("decode result of operation %d: uuid %s is not a uuid", i, o.UUID)
			}
			res.UUID = u
		}
		results = append(results, res)
	}
	if len(results) != len(ops) {
		return nil, fmt.Errorf("transact reply has %d results for %d operations", len(results), len(ops))
	}
	return results, nil
}

// echo asks the server to echo a payload back, proving the connection
// carries requests and replies both ways.
func (s *session) echo(ctx context.Context) error {
	payload := "vtep-probe-" + strconv.FormatUint(s.wire.seq.Load(), 10)
	r, err := s.wire.call(ctx, "echo", []any{payload}, nil)
	if err != nil {
		return err
	}
	if r.Error != nil {
		return fmt.Errorf("echo: server answered with error %s: %s", r.Error.Error, r.Error.Details)
	}
	var got []string
	if err := json.Unmarshal(r.Result, &got); err != nil || len(got) != 1 || got[0] != payload {
		return fmt.Errorf("echo: reply %s does not echo %q", r.Result, payload)
	}
	return nil
}
