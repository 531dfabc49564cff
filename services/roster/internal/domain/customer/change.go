package customer

import "time"

// ChangeKind is what a published portfolio change says happened; the numbers match
// the wire enum.
type ChangeKind int

// Change kinds.
const (
	CustomersReassigned ChangeKind = 1 // a handover, or an assignment to another primary manager
	CustomerCreated     ChangeKind = 2
	CustomerUpdated     ChangeKind = 3 // details or the backup manager changed
)

// Move is one customer's change of primary manager.
type Move struct {
	CustomerID string `json:"customer"`
	From       string `json:"from"` // manager id
	To         string `json:"to"`
}

// Change is one entry of the portfolio change feed (the outbox), written in the
// transaction of the change it describes.
type Change struct {
	Sequence   int64 // position in the feed, set when written: strictly increasing in commit order
	Kind       ChangeKind
	Time       time.Time // set when written
	CustomerID string    // for CustomerCreated and CustomerUpdated
	Moves      []Move    // for CustomersReassigned
	Reason     string
	// State is the customer as it is when the change is read, for CustomerCreated
	// and CustomerUpdated (nil when the customer is gone).
	State *Customer
}
