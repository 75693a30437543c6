package ovsdb

import (
	"errors"
	"testing"
)

func TestNewTransactError(t *testing.T) {
	// Details as ovsdb-server 3.1 words them.
	insertBogus := Insert{Table: "Bridge", Row: Row{"name": "br0", "fail_mode": "bogus"}}
	insertTag := Insert{Table: "Port", Row: Row{"name": "p0", "tag": 5000}}
	tests := []struct {
		name               string
		ops                []Op
		index              int
		kind, details      string
		is                 []error
		isNot              []error
		table, column, val string
		op                 string
	}{
		{
			name: "bad enum value", ops: []Op{insertBogus}, index: 0, kind: "constraint violation",
			details: "bogus is not one of the allowed values ([secure, standalone])",
			is:      []error{ErrConstraintViolation}, isNot: []error{ErrDuplicate, ErrReferentialIntegrity},
			table: "Bridge", column: "fail_mode", val: "bogus", op: "insert",
		},
		{
			name: "out of range", ops: []Op{insertTag}, index: 0, kind: "constraint violation",
			details: "5000 is not in the valid range 0 to 4095 (inclusive)",
			is:      []error{ErrConstraintViolation},
			table:   "Port", column: "tag", val: "5000", op: "insert",
		},
		{
			name: "duplicate", ops: []Op{insertBogus}, index: 2, kind: "constraint violation",
			details: `Transaction causes multiple rows in "Bridge" table to have identical values (br0) for index on column "name".  First row, with UUID 5e2d, existed in the database before this transaction and was not modified by the transaction.`,
			is:      []error{ErrDuplicate, ErrConstraintViolation},
			table:   "Bridge", column: "name", val: "br0", op: "commit",
		},
		{
			name: "referential integrity", ops: []Op{insertBogus, Mutate{Table: "Open_vSwitch"}}, index: 2, kind: "referential integrity violation",
			details: "Table Bridge column ports row be21 references nonexistent row 0b5b in table Port.",
			is:      []error{ErrReferentialIntegrity}, isNot: []error{ErrConstraintViolation},
			table: "Bridge", column: "ports", val: "0b5b", op: "commit",
		},
		{
			name: "delete still referenced", ops: []Op{Delete{Table: "Bridge"}}, index: 0, kind: "referential integrity violation",
			details: "cannot delete Bridge row 5e2d because of 1 remaining reference(s)",
			is:      []error{ErrReferentialIntegrity},
			table:   "Bridge", val: "5e2d", op: "delete",
		},
		{
			name: "unknown column", ops: []Op{Update{Table: "Interface"}}, index: 0, kind: "unknown column",
			details: "No column foo in table Bridge.",
			is:      []error{ErrUnknownColumn},
			table:   "Bridge", column: "foo", op: "update",
		},
		{
			name: "wait failed", ops: []Op{Wait{Table: "Bridge"}}, index: 0, kind: "timed out",
			details: `"where" clause test failed`,
			is:      []error{ErrTimedOut},
			table:   "Bridge", op: "wait",
		},
		{
			name: "unknown database", ops: nil, index: -1, kind: "unknown database",
			details: "transact request specifies unknown database Nope",
			is:      []error{ErrUnknownDatabase},
			op:      "transact",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTransactError(tc.ops, tc.index, tc.kind, tc.details)
			if e.Table != tc.table || e.Column != tc.column || e.Value != tc.val || e.Op != tc.op {
				t.Errorf("op/table/column/value = %q/%q/%q/%q, want %q/%q/%q/%q", e.Op, e.Table, e.Column, e.Value, tc.op, tc.table, tc.column, tc.val)
			}
			var err error = &OpError{Op: "ensure bridge", Err: e}
			for _, k := range tc.is {
				if !errors.Is(err, k) {
					t.Errorf("errors.Is(%v, %v) = false", err, k)
				}
			}
			for _, k := range tc.isNot {
				if errors.Is(err, k) {
					t.Errorf("errors.Is(%v, %v) = true", err, k)
				}
			}
		})
	}
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&TransactError{Op: "insert", Table: "Bridge", Kind: "constraint violation", Column: "fail_mode", Value: "bogus", Details: "bogus is not one of the allowed values"},
			"insert Bridge: constraint violation: column fail_mode value bogus: bogus is not one of the allowed values"},
		{&OpError{Op: `ensure bridge "br0"`, Err: &FieldError{Field: "bridge br0 fail_mode", Value: "x", Reason: "must be secure or standalone"}},
			`ovsdb: ensure bridge "br0": invalid bridge br0 fail_mode "x": must be secure or standalone`},
		{&ConnError{Target: "unix:/run/db.sock", Err: ErrDisconnected}, "connection to unix:/run/db.sock: not connected to ovsdb-server"},
		{&InterfaceError{Interface: "eth9", Msg: "could not open network device eth9 (No such device)"},
			`interface "eth9": ovs-vswitchd reports: could not open network device eth9 (No such device)`},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
	if !errors.Is(&ConnError{Err: errors.New("EOF")}, ErrDisconnected) {
		t.Error("ConnError does not match ErrDisconnected")
	}
}
