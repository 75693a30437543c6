package ovsdb

import (
	"encoding/json"
	"fmt"
	"time"
)

// Op is one operation of a transaction (RFC 7047 section 5.2); its JSON
// form is the operation as the transact request carries it.
type Op interface {
	json.Marshaler
	// OpName returns the operation's name as on the wire, e.g. "insert".
	OpName() string
	// TableName returns the table the operation acts on ("" for comment).
	TableName() string
}

// Cond is a condition of a where clause: [column, function, value]. Unlike
// go-openvswitch's Cond its value may be any OVSDB value (a UUID, a Set...).
type Cond struct {
	Column   string
	Function string
	Value    any
}

// Equal returns the condition column == value.
func Equal(column string, value any) Cond { return Cond{Column: column, Function: "==", Value: value} }

// Includes returns the condition "column includes value" (for sets and maps).
func Includes(column string, value any) Cond {
	return Cond{Column: column, Function: "includes", Value: value}
}

// MarshalJSON implements json.Marshaler.
func (c Cond) MarshalJSON() ([]byte, error) {
	v, err := encodeValue(c.Value)
	if err != nil {
		return nil, fmt.Errorf("condition on column %q: %w", c.Column, err)
	}
	return json.Marshal([]any{c.Column, c.Function, json.RawMessage(v)})
}

// where returns conds as a non-nil slice (the server wants [] not null).
func where(conds []Cond) []Cond {
	if conds == nil {
		return []Cond{}
	}
	return conds
}

// Mutation is a mutation of a mutate operation: [column, mutator, value],
// with mutator one of "+=", "-=", "*=", "/=", "%=", "insert", "delete".
type Mutation struct {
	Column  string
	Mutator string
	Value   any
}

// MarshalJSON implements json.Marshaler.
func (m Mutation) MarshalJSON() ([]byte, error) {
	v, err := encodeValue(m.Value)
	if err != nil {
		return nil, fmt.Errorf("mutation of column %q: %w", m.Column, err)
	}
	return json.Marshal([]any{m.Column, m.Mutator, json.RawMessage(v)})
}

// Insert adds a row. UUIDName, if set, names the new row so later
// operations of the same transaction can refer to it as NamedUUID(UUIDName).
type Insert struct {
	Table    string
	UUIDName string
	Row      Row
}

// OpName implements Op.
func (Insert) OpName() string { return "insert" }

// TableName implements Op.
func (o Insert) TableName() string { return o.Table }

// MarshalJSON implements json.Marshaler.
func (o Insert) MarshalJSON() ([]byte, error) {
	if o.UUIDName != "" && !validUUIDName(o.UUIDName) {
		return nil, &FieldError{Field: "uuid-name", Value: o.UUIDName, Reason: "must match [_a-zA-Z][_a-zA-Z0-9]*"}
	}
	row := o.Row
	if row == nil {
		row = Row{}
	}
	return json.Marshal(struct {
		Op       string `json:"op"`
		Table    string `json:"table"`
		Row      Row    `json:"row"`
		UUIDName string `json:"uuid-name,omitempty"`
	}{"insert", o.Table, row, o.UUIDName})
}

// Update sets the columns of Row in every row matching Where.
type Update struct {
	Table string
	Where []Cond
	Row   Row
}

// OpName implements Op.
func (Update) OpName() string { return "update" }

// TableName implements Op.
func (o Update) TableName() string { return o.Table }

// MarshalJSON implements json.Marshaler.
func (o Update) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Op    string `json:"op"`
		Table string `json:"table"`
		Where []Cond `json:"where"`
		Row   Row    `json:"row"`
	}{"update", o.Table, where(o.Where), o.Row})
}

// Mutate applies Mutations to every row matching Where.
type Mutate struct {
	Table     string
	Where     []Cond
	Mutations []Mutation
}

// OpName implements Op.
func (Mutate) OpName() string { return "mutate" }

// TableName implements Op.
func (o Mutate) TableName() string { return o.Table }

// MarshalJSON implements json.Marshaler.
func (o Mutate) MarshalJSON() ([]byte, error) {
	muts := o.Mutations
	if muts == nil {
		muts = []Mutation{}
	}
	return json.Marshal(struct {
		Op        string     `json:"op"`
		Table     string     `json:"table"`
		Where     []Cond     `json:"where"`
		Mutations []Mutation `json:"mutations"`
	}{"mutate", o.Table, where(o.Where), muts})
}

// Delete removes every row matching Where.
type Delete struct {
	Table string
	Where []Cond
}

// OpName implements Op.
func (Delete) OpName() string { return "delete" }

// TableName implements Op.
func (o Delete) TableName() string { return o.Table }

// MarshalJSON implements json.Marshaler.
func (o Delete) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Op    string `json:"op"`
		Table string `json:"table"`
		Where []Cond `json:"where"`
	}{"delete", o.Table, where(o.Where)})
}

// Select reads the Columns (all if empty) of every row matching Where.
type Select struct {
	Table   string
	Where   []Cond
	Columns []string
}

// OpName implements Op.
func (Select) OpName() string { return "select" }

// TableName implements Op.
func (o Select) TableName() string { return o.Table }

// MarshalJSON implements json.Marshaler.
func (o Select) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Op      string   `json:"op"`
		Table   string   `json:"table"`
		Where   []Cond   `json:"where"`
		Columns []string `json:"columns,omitempty"`
	}{"select", o.Table, where(o.Where), o.Columns})
}

// Wait makes the transaction wait until the Columns of the rows matching
// Where are (Until "==") or are not (Until "!=") exactly Rows, for at most
// Timeout. With Timeout 0 it is a check: the transaction fails at once with
// a "timed out" error (ErrTimedOut) when the condition does not hold, which
// is how read-modify-write cycles verify that what they read is unchanged.
type Wait struct {
	Table   string
	Where   []Cond
	Columns []string
	Until   string
	Rows    []Row
	Timeout time.Duration
}

// OpName implements Op.
func (Wait) OpName() string { return "wait" }

// TableName implements Op.
func (o Wait) TableName() string { return o.Table }

// MarshalJSON implements json.Marshaler.
func (o Wait) MarshalJSON() ([]byte, error) {
	until := o.Until
	if until == "" {
		until = "=="
	}
	if until != "==" && until != "!=" {
		return nil, &FieldError{Field: "wait.until", Value: until, Reason: `must be "==" or "!="`}
	}
	cols, rows := o.Columns, o.Rows
	if cols == nil {
		cols = []string{}
	}
	if rows == nil {
		rows = []Row{}
	}
	return json.Marshal(struct {
		Op      string   `json:"op"`
		Table   string   `json:"table"`
		Where   []Cond   `json:"where"`
		Columns []string `json:"columns"`
		Until   string   `json:"until"`
		Rows    []Row    `json:"rows"`
		Timeout int64    `json:"timeout"`
	}{"wait", o.Table, where(o.Where), cols, until, rows, o.Timeout.Milliseconds()})
}

// Comment adds text to the database log record of the transaction.
type Comment struct {
	Comment string
}

// OpName implements Op.
func (Comment) OpName() string { return "comment" }

// TableName implements Op.
func (Comment) TableName() string { return "" }

// MarshalJSON implements json.Marshaler.
func (o Comment) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Op      string `json:"op"`
		Comment string `json:"comment"`
	}{"comment", o.Comment})
}

// Result is the outcome of one successful operation: the new row's UUID for
// insert, the number of matched rows for update, mutate and delete, and the
// rows for select.
type Result struct {
	UUID  UUID
	Count int
	Rows  []Row
}
