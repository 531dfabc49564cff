package ports

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/rmsuite/rmsuite/pkg/aip"
	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/audit"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/idempotency"
	"github.com/rmsuite/rmsuite/pkg/storage"
	rosterv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/roster/v1"
	"github.com/rmsuite/rmsuite/services/roster/internal/app"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/customer"
	"github.com/rmsuite/rmsuite/services/roster/internal/domain/manager"
	"github.com/rmsuite/rmsuite/services/roster/internal/importfile"
)

// PortfolioServer implements rmsuite.roster.v1.PortfolioService.
type PortfolioServer struct {
	rosterv1.UnimplementedPortfolioServiceServer
	db        *storage.DB
	customers *app.Customers
	done      <-chan struct{}
	// Poll is how often a following WatchPortfolioChanges stream looks for new
	// changes.
	Poll time.Duration
}

// NewPortfolioServer serves the portfolio use cases; db records request ids for
// safe retries. Following change-feed streams end when done is closed (the
// service shutting down), so that they do not hold up a graceful stop.
func NewPortfolioServer(db *storage.DB, customers *app.Customers, done <-chan struct{}) *PortfolioServer {
	return &PortfolioServer{db: db, customers: customers, done: done, Poll: 250 * time.Millisecond}
}

const (
	customerPrefix   = "customers/"
	settingsName     = "portfolioSettings"
	maxHandoverNames = 10000
	maxReceivers     = 50
)

// GetCustomer reads one customer.
func (s *PortfolioServer) GetCustomer(ctx context.Context, req *rosterv1.GetCustomerRequest) (*rosterv1.Customer, error) {
	id, err := customerID("name", req.GetName())
	if err != nil {
		return nil, err
	}
	c, err := s.customers.GetCustomer(ctx, id)
	if err != nil {
		return nil, err
	}
	return toProtoCustomer(c), nil
}

// ListCustomers reads one page of the customers the caller may see.
func (s *PortfolioServer) ListCustomers(ctx context.Context, req *rosterv1.ListCustomersRequest) (*rosterv1.ListCustomersResponse, error) {
	list, next, total, err := s.customers.ListCustomers(ctx, aip.Request{
		Filter: req.GetFilter(), OrderBy: req.GetOrderBy(), PageSize: req.GetPageSize(), PageToken: req.GetPageToken(),
	})
	if err != nil {
		return nil, err
	}
	resp := &rosterv1.ListCustomersResponse{NextPageToken: next, TotalSize: int32(total), Customers: make([]*rosterv1.Customer, len(list))}
	for i, c := range list {
		resp.Customers[i] = toProtoCustomer(c)
	}
	return resp, nil
}

// CreateCustomer records a customer with its managers.
func (s *PortfolioServer) CreateCustomer(ctx context.Context, req *rosterv1.CreateCustomerRequest) (*rosterv1.Customer, error) {
	in, err := toNewCustomer(req)
	if err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*rosterv1.Customer, error) {
		c, err := s.customers.CreateCustomer(ctx, in)
		return toProtoCustomer(c), err
	})
}

// UpdateCustomer changes a customer's details.
func (s *PortfolioServer) UpdateCustomer(ctx context.Context, req *rosterv1.UpdateCustomerRequest) (*rosterv1.Customer, error) {
	id, changes, err := toCustomerChanges(req)
	if err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*rosterv1.Customer, error) {
		c, err := s.customers.UpdateCustomer(ctx, id, req.GetCustomer().GetEtag(), changes)
		return toProtoCustomer(c), err
	})
}

// AssignCustomer gives a customer another primary or backup manager.
func (s *PortfolioServer) AssignCustomer(ctx context.Context, req *rosterv1.AssignCustomerRequest) (*rosterv1.Customer, error) {
	var v apierr.Violations
	id := checkCustomerName(&v, "name", req.GetName())
	a := app.Assignment{Date: checkDate(&v, "effective_date", req.GetEffectiveDate(), false),
		Reason: checkReason(&v, "reason", req.GetReason()), Etag: req.GetEtag()}
	if req.GetPrimaryManager() != "" {
		a.Primary = checkManagerName(&v, "primary_manager", req.GetPrimaryManager())
	}
	switch b := req.GetBackupManager(); b {
	case "":
	case "-":
		a.Backup = ptr("")
	default:
		a.Backup = ptr(checkManagerName(&v, "backup_manager", b))
	}
	if a.Primary == "" && a.Backup == nil && req.GetName() != "" {
		v.Add("primary_manager", "give a new primary_manager or backup_manager (\"-\" removes the backup); the request changes nothing")
	}
	if a.Primary != "" && a.Backup != nil && *a.Backup == a.Primary {
		v.Add("backup_manager", "must differ from primary_manager")
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*rosterv1.Customer, error) {
		c, err := s.customers.AssignCustomer(ctx, id, a)
		return toProtoCustomer(c), err
	})
}

// HandoverCustomers moves a manager's customers to one or several managers.
func (s *PortfolioServer) HandoverCustomers(ctx context.Context, req *rosterv1.HandoverCustomersRequest) (*rosterv1.HandoverCustomersResponse, error) {
	var v apierr.Violations
	h := app.Handover{
		ManagerID: checkManagerName(&v, "manager", req.GetManager()),
		Date:      checkDate(&v, "effective_date", req.GetEffectiveDate(), false),
		Reason:    checkReason(&v, "reason", req.GetReason()),
	}
	switch n := len(req.GetCustomers()); {
	case n > maxHandoverNames:
		v.Add("customers", "names %d customers; a handover moves at most %d at a time (leave customers empty to move all)", n, maxHandoverNames)
	default:
		seen := map[string]bool{}
		for i, name := range req.GetCustomers() {
			id := checkCustomerName(&v, fieldIndex("customers", i), name)
			if seen[id] {
				v.Add(fieldIndex("customers", i), "%s is named twice", name)
			}
			seen[id] = true
			h.Customers = append(h.Customers, id)
		}
	}
	switch n := len(req.GetReceivers()); {
	case n == 0:
		v.Add("receivers", "is required: name one or more managers, e.g. [\"managers/E3002\"]")
	case n > maxReceivers:
		v.Add("receivers", "names %d managers; at most %d", n, maxReceivers)
	default:
		seen := map[string]bool{}
		for i, name := range req.GetReceivers() {
			id := checkManagerName(&v, fieldIndex("receivers", i), name)
			if seen[id] {
				v.Add(fieldIndex("receivers", i), "%s is named twice", name)
			}
			seen[id] = true
			h.Receivers = append(h.Receivers, id)
		}
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*rosterv1.HandoverCustomersResponse, error) {
		res, err := s.customers.HandoverCustomers(ctx, h)
		return toProtoHandover(res), err
	})
}

// ListAssignments reads a customer's assignment history.
func (s *PortfolioServer) ListAssignments(ctx context.Context, req *rosterv1.ListAssignmentsRequest) (*rosterv1.ListAssignmentsResponse, error) {
	id, err := customerID("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	list, err := s.customers.Assignments(ctx, id)
	if err != nil {
		return nil, err
	}
	resp := &rosterv1.ListAssignmentsResponse{Assignments: make([]*rosterv1.Assignment, len(list))}
	for i, a := range list {
		resp.Assignments[i] = toProtoAssignment(a)
	}
	return resp, nil
}

// GetManagerLoad reads a manager's portfolio size against their capacity.
func (s *PortfolioServer) GetManagerLoad(ctx context.Context, req *rosterv1.GetManagerLoadRequest) (*rosterv1.ManagerLoad, error) {
	id, err := managerID("manager", req.GetManager())
	if err != nil {
		return nil, err
	}
	l, backup, err := s.customers.ManagerLoad(ctx, id)
	if err != nil {
		return nil, err
	}
	return toProtoLoad(l, backup), nil
}

// GetPortfolioSettings reads the capacity settings.
func (s *PortfolioServer) GetPortfolioSettings(ctx context.Context, req *rosterv1.GetPortfolioSettingsRequest) (*rosterv1.PortfolioSettings, error) {
	if req.GetName() != settingsName {
		return nil, apierr.Invalid("name", "%q is not the settings' name: it is always %q", req.GetName(), settingsName)
	}
	st, err := s.customers.Settings(ctx)
	if err != nil {
		return nil, err
	}
	return toProtoSettings(st), nil
}

// UpdatePortfolioSettings changes the capacity settings.
func (s *PortfolioServer) UpdatePortfolioSettings(ctx context.Context, req *rosterv1.UpdatePortfolioSettingsRequest) (*rosterv1.PortfolioSettings, error) {
	var v apierr.Violations
	in := req.GetSettings()
	if in == nil {
		return nil, apierr.Invalid("settings", "is required")
	}
	if in.GetName() != settingsName {
		v.Add("settings.name", "%q is not the settings' name: it is always %q", in.GetName(), settingsName)
	}
	fields := map[string]int32{"corporate_capacity": in.GetCorporateCapacity(), "retail_capacity": in.GetRetailCapacity(), "micro_capacity": in.GetMicroCapacity()}
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 { // AIP-134: an absent mask means every field that is set
		for _, f := range []string{"corporate_capacity", "retail_capacity", "micro_capacity"} {
			if fields[f] != 0 {
				paths = append(paths, f)
			}
		}
		if len(paths) == 0 {
			v.Add("update_mask", "nothing to update: set corporate_capacity, retail_capacity or micro_capacity")
		}
	}
	set := map[string]int{}
	for _, p := range paths {
		switch {
		case p == "*":
			for f, n := range fields {
				set[f] = int(n)
			}
		case p == "name" || p == "etag":
		default:
			n, ok := fields[p]
			if !ok {
				v.Add("update_mask", "%q cannot be updated; updatable fields are corporate_capacity, retail_capacity and micro_capacity", p)
				continue
			}
			set[p] = int(n)
		}
	}
	for f, n := range set {
		if err := customer.CheckCapacity(n); err != nil {
			v.Add("settings."+f, "%v", err)
		}
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*rosterv1.PortfolioSettings, error) {
		st, err := s.customers.UpdateSettings(ctx, in.GetEtag(), func(st *customer.Settings) {
			for f, n := range set {
				switch f {
				case "corporate_capacity":
					st.Corporate = n
				case "retail_capacity":
					st.Retail = n
				case "micro_capacity":
					st.Micro = n
				}
			}
		})
		if err != nil {
			return nil, err
		}
		return toProtoSettings(st), nil
	})
}

// ImportCustomers creates customers from a CSV or XLSX file, all or nothing.
func (s *PortfolioServer) ImportCustomers(ctx context.Context, req *rosterv1.ImportCustomersRequest) (*rosterv1.ImportResponse, error) {
	var v apierr.Violations
	if len(req.GetContent()) == 0 {
		v.Add("content", "is required: the bytes of a CSV (UTF-8) or XLSX file whose first row names the columns")
	}
	switch f := strings.ToLower(strings.TrimSpace(req.GetFormat())); f {
	case "", "csv", "xlsx":
	default:
		v.Add("format", "%q is not a format read here: use csv, xlsx or leave it empty to guess from the content", req.GetFormat())
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return idempotency.Do(ctx, s.db, req.GetRequestId(), req, func(ctx context.Context) (*rosterv1.ImportResponse, error) {
		res, err := s.customers.ImportCustomers(ctx, req.GetContent(), req.GetFormat(), req.GetValidateOnly())
		if errors.Is(err, importfile.ErrUnreadable) {
			return nil, apierr.Invalid("content", "%s", strings.TrimPrefix(err.Error(), importfile.ErrUnreadable.Error()+": "))
		}
		if err != nil {
			return nil, err
		}
		if res.Imported == 0 {
			audit.MarkNoChange(ctx) // a dry run or a file with problems: nothing changed
		}
		return toProtoImport(res), nil
	})
}

// WatchPortfolioChanges streams the change feed after a cursor; with follow it
// keeps polling for new changes until the client goes away or the service stops.
func (s *PortfolioServer) WatchPortfolioChanges(req *rosterv1.WatchPortfolioChangesRequest, stream grpc.ServerStreamingServer[rosterv1.PortfolioChange]) error {
	if req.GetAfter() < 0 {
		return apierr.Invalid("after", "must not be negative: send 0 for the whole feed, or the last sequence you handled")
	}
	ctx := stream.Context()
	after := req.GetAfter()
	const batch = 500
	var timer *time.Timer
	for {
		changes, err := s.customers.Changes(ctx, after, batch)
		if err != nil {
			if ctx.Err() != nil {
				return status.FromContextError(ctx.Err()).Err()
			}
			return err
		}
		for _, c := range changes {
			if err := stream.Send(toProtoChange(c)); err != nil {
				return err
			}
			after = c.Sequence
		}
		if len(changes) == batch {
			continue // more backlog: no pause
		}
		if !req.GetFollow() {
			return nil
		}
		if timer == nil {
			timer = time.NewTimer(s.Poll)
			defer timer.Stop()
		} else {
			timer.Reset(s.Poll)
		}
		select {
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		case <-s.done:
			return status.Errorf(codes.Unavailable, "the service is shutting down; reconnect and resume after sequence %d", after)
		case <-timer.C:
		}
	}
}

// --- audit ---

// PortfolioAuditLog records portfolio changes in the audit log, in the API's shape.
type PortfolioAuditLog struct{}

// CustomerChanged records a created or changed customer, filed under the org units
// of its managers before and after.
func (PortfolioAuditLog) CustomerChanged(ctx context.Context, before, after *customer.Customer, reason string) error {
	c := audit.Change{ObjectType: "Customer", Reason: reason}
	var paths []string
	if after != nil {
		c.Object, c.After = customerPrefix+after.ID, toProtoCustomer(*after)
		paths = append(paths, after.OrgPath)
	}
	if before != nil {
		c.Object, c.Before = customerPrefix+before.ID, toProtoCustomer(*before)
		paths = append(paths, before.OrgPath)
	}
	c.OrgPath = customer.CommonPath(paths...)
	return recordChange(ctx, c)
}

// PortfolioHandedOver records a handover under the manager who handed over.
func (PortfolioAuditLog) PortfolioHandedOver(ctx context.Context, from manager.Manager, held int, res app.HandoverResult, reason string) error {
	return recordChange(ctx, audit.Change{
		ObjectType: "Portfolio", Object: managerPrefix + from.ID, OrgPath: from.OrgPath, Reason: reason,
		Before: &rosterv1.ManagerLoad{Manager: managerPrefix + from.ID, Line: rosterv1.Line(from.Line), PrimaryCustomers: int32(held)},
		After:  toProtoHandover(res),
	})
}

// CustomersImported records an import, filed under the deepest unit holding all
// the imported customers' managers.
func (PortfolioAuditLog) CustomersImported(ctx context.Context, orgPath string, res app.ImportResult) error {
	return recordChange(ctx, audit.Change{ObjectType: "CustomerImport", Object: "customers", OrgPath: orgPath,
		After: &rosterv1.ImportResponse{Rows: int32(res.Rows), Imported: int32(res.Imported)}})
}

// PortfolioSettingsChanged records a capacity change (bank-wide: org path "/").
func (PortfolioAuditLog) PortfolioSettingsChanged(ctx context.Context, before, after customer.Settings) error {
	return recordChange(ctx, audit.Change{ObjectType: "PortfolioSettings", Object: settingsName, OrgPath: "/",
		Before: toProtoSettings(before), After: toProtoSettings(after)})
}

// PortfolioErrorTable maps the portfolio domain's errors to gRPC codes.
var PortfolioErrorTable = apierr.Table{
	{Err: customer.ErrNotFound, Code: codes.NotFound},
	{Err: customer.ErrAlreadyExists, Code: codes.AlreadyExists},
	{Err: customer.ErrInvalid, Code: codes.InvalidArgument},
	{Err: customer.ErrOverCapacity, Code: codes.FailedPrecondition},
	{Err: customer.ErrIllegalState, Code: codes.FailedPrecondition},
	{Err: customer.ErrPermissionDenied, Code: codes.PermissionDenied},
	{Err: importfile.ErrUnreadable, Code: codes.InvalidArgument},
}

// PortfolioRules declare what each PortfolioService RPC needs.
var PortfolioRules = auth.Rules{
	rosterv1.PortfolioService_GetCustomer_FullMethodName:             {Permission: auth.CustomersRead},
	rosterv1.PortfolioService_ListCustomers_FullMethodName:           {Permission: auth.CustomersRead},
	rosterv1.PortfolioService_CreateCustomer_FullMethodName:          {Permission: auth.CustomersWrite, Mutates: true},
	rosterv1.PortfolioService_UpdateCustomer_FullMethodName:          {Permission: auth.CustomersWrite, Mutates: true},
	rosterv1.PortfolioService_AssignCustomer_FullMethodName:          {Permission: auth.CustomersWrite, Mutates: true},
	rosterv1.PortfolioService_HandoverCustomers_FullMethodName:       {Permission: auth.CustomersWrite, Mutates: true},
	rosterv1.PortfolioService_ListAssignments_FullMethodName:         {Permission: auth.CustomersRead},
	rosterv1.PortfolioService_GetManagerLoad_FullMethodName:          {Permission: auth.CustomersRead},
	rosterv1.PortfolioService_GetPortfolioSettings_FullMethodName:    {Permission: auth.CustomersRead},
	rosterv1.PortfolioService_UpdatePortfolioSettings_FullMethodName: {Permission: auth.PortfolioSettings, Mutates: true},
	rosterv1.PortfolioService_ImportCustomers_FullMethodName:         {Permission: auth.CustomersWrite, Mutates: true},
	rosterv1.PortfolioService_WatchPortfolioChanges_FullMethodName:   {Permission: auth.PortfolioWatch},
}

// --- conversion and validation at the edge ---

func toProtoCustomer(c customer.Customer) *rosterv1.Customer {
	if c.ID == "" {
		return nil
	}
	p := &rosterv1.Customer{
		Name:                customerPrefix + c.ID,
		DisplayName:         c.DisplayName,
		Kind:                rosterv1.Customer_Kind(c.Kind),
		Classification:      c.Classification,
		Address:             c.Address,
		AreaType:            rosterv1.Customer_AreaType(c.AreaType),
		VisitMethod:         rosterv1.Customer_VisitMethod(c.VisitMethod),
		PrimaryManager:      managerPrefix + c.PrimaryManagerID,
		AssignmentStartDate: c.AssignmentStart.Proto(),
		CreateTime:          timestamppb.New(c.CreateTime),
		UpdateTime:          timestamppb.New(c.UpdateTime),
		Etag:                c.Etag(),
	}
	if c.Location != nil {
		p.Location = &latlng.LatLng{Latitude: c.Location.Lat, Longitude: c.Location.Lng}
	}
	if c.BackupManagerID != "" {
		p.BackupManager = managerPrefix + c.BackupManagerID
	}
	if c.OrgUnitID != "" {
		p.OrgUnit = orgUnitPrefix + c.OrgUnitID
	}
	return p
}

func toProtoAssignment(a customer.Assignment) *rosterv1.Assignment {
	p := &rosterv1.Assignment{
		Customer: customerPrefix + a.CustomerID, PrimaryManager: managerPrefix + a.PrimaryManagerID,
		StartDate: a.Start.Proto(), EndDate: a.End.Proto(), Reason: a.Reason, RecordedBy: a.RecordedBy,
	}
	if a.BackupManagerID != "" {
		p.BackupManager = managerPrefix + a.BackupManagerID
	}
	return p
}

func toProtoChange(c customer.Change) *rosterv1.PortfolioChange {
	p := &rosterv1.PortfolioChange{Sequence: c.Sequence, Kind: rosterv1.PortfolioChange_Kind(c.Kind),
		Time: timestamppb.New(c.Time), Reason: c.Reason}
	if c.CustomerID != "" {
		p.Customer = customerPrefix + c.CustomerID
	}
	if c.State != nil {
		p.State = toProtoCustomer(*c.State)
	}
	for _, m := range c.Moves {
		p.Moves = append(p.Moves, &rosterv1.PortfolioChange_Move{Customer: customerPrefix + m.CustomerID,
			FromManager: managerPrefix + m.From, ToManager: managerPrefix + m.To})
	}
	return p
}

func toProtoSettings(s customer.Settings) *rosterv1.PortfolioSettings {
	return &rosterv1.PortfolioSettings{Name: settingsName, CorporateCapacity: int32(s.Corporate),
		RetailCapacity: int32(s.Retail), MicroCapacity: int32(s.Micro), Etag: s.Etag()}
}

func toProtoLoad(l customer.Load, backup int) *rosterv1.ManagerLoad {
	return &rosterv1.ManagerLoad{Manager: managerPrefix + l.ManagerID, Line: rosterv1.Line(l.Line),
		PrimaryCustomers: int32(l.Primary), BackupCustomers: int32(backup), Capacity: int32(l.Capacity)}
}

func toProtoHandover(r app.HandoverResult) *rosterv1.HandoverCustomersResponse {
	p := &rosterv1.HandoverCustomersResponse{Moved: int32(r.Moved), Sequence: r.Sequence}
	for _, o := range r.Receivers {
		p.Receivers = append(p.Receivers, &rosterv1.HandoverCustomersResponse_ReceiverLoad{
			Manager: managerPrefix + o.ManagerID, Received: int32(o.Received), Load: int32(o.Load), Capacity: int32(o.Capacity)})
	}
	return p
}

func toProtoImport(r app.ImportResult) *rosterv1.ImportResponse {
	p := &rosterv1.ImportResponse{Rows: int32(r.Rows), Imported: int32(r.Imported)}
	for _, pr := range r.Problems {
		p.Problems = append(p.Problems, &rosterv1.ImportProblem{Row: int32(pr.Row), Column: pr.Column, Reason: pr.Reason})
	}
	return p
}

func toNewCustomer(req *rosterv1.CreateCustomerRequest) (customer.Customer, error) {
	var v apierr.Violations
	pc := req.GetCustomer()
	if pc == nil {
		v.Add("customer", "is required")
		return customer.Customer{}, v.Err()
	}
	c := customer.Customer{
		ID:             req.GetCustomerId(),
		DisplayName:    strings.TrimSpace(pc.GetDisplayName()),
		Classification: strings.TrimSpace(pc.GetClassification()),
		Address:        strings.TrimSpace(pc.GetAddress()),
		Location:       checkLocation(&v, "customer.location", pc.GetLocation()),
	}
	addErr(&v, "customer_id", customer.CheckCode(c.ID))
	addErr(&v, "customer.display_name", customer.CheckDisplayName(c.DisplayName))
	addErr(&v, "customer.classification", customer.CheckClassification(c.Classification))
	addErr(&v, "customer.address", customer.CheckAddress(c.Address))
	switch k := customer.Kind(pc.GetKind()); {
	case k == 0:
		v.Add("customer.kind", "is required: KIND_RETAIL_OUTLET, KIND_INDIVIDUAL or KIND_CORPORATE")
	case !k.Valid():
		v.Add("customer.kind", "%d is not a known kind: use KIND_RETAIL_OUTLET, KIND_INDIVIDUAL or KIND_CORPORATE", int(k))
	default:
		c.Kind = k
	}
	c.AreaType = checkAreaType(&v, "customer.area_type", pc.GetAreaType())
	c.VisitMethod = checkVisitMethod(&v, "customer.visit_method", pc.GetVisitMethod())
	c.PrimaryManagerID = checkManagerName(&v, "customer.primary_manager", pc.GetPrimaryManager())
	if pc.GetBackupManager() != "" {
		c.BackupManagerID = checkManagerName(&v, "customer.backup_manager", pc.GetBackupManager())
		if c.BackupManagerID == c.PrimaryManagerID {
			v.Add("customer.backup_manager", "must differ from the primary manager; leave it empty for none")
		}
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return c, err
	}
	return c, v.Err()
}

// customerMaskIgnored are fields an update mask may name without effect: the name
// and etag identify and guard the update; the rest are output only.
var customerMaskIgnored = map[string]bool{"name": true, "etag": true, "create_time": true, "update_time": true,
	"org_unit": true, "assignment_start_date": true}

func toCustomerChanges(req *rosterv1.UpdateCustomerRequest) (string, app.CustomerChanges, error) {
	var v apierr.Violations
	pc := req.GetCustomer()
	if pc == nil {
		v.Add("customer", "is required")
		return "", app.CustomerChanges{}, v.Err()
	}
	id := checkCustomerName(&v, "customer.name", pc.GetName())
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 { // AIP-134: an absent mask means every field that is set
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"display_name", pc.GetDisplayName() != ""}, {"classification", pc.GetClassification() != ""},
			{"address", pc.GetAddress() != ""}, {"location", pc.GetLocation() != nil},
			{"area_type", pc.GetAreaType() != 0}, {"visit_method", pc.GetVisitMethod() != 0},
		} {
			if f.set {
				paths = append(paths, f.name)
			}
		}
		if len(paths) == 0 {
			v.Add("update_mask", "nothing to update: set display_name, classification, address, location, area_type or visit_method, or name them in update_mask")
		}
	}
	var ch app.CustomerChanges
	all, locationPart := false, false
	for _, p := range paths {
		switch p {
		case "*":
			all = true
		case "display_name":
			ch.DisplayName = ptr(strings.TrimSpace(pc.GetDisplayName()))
		case "classification":
			ch.Classification = ptr(strings.TrimSpace(pc.GetClassification()))
		case "address":
			ch.Address = ptr(strings.TrimSpace(pc.GetAddress()))
		case "location":
			ch.SetLocation = true
		case "location.latitude", "location.longitude":
			// The gateway names a JSON body's nested fields; with a body holding a
			// location, they name the location as a whole.
			ch.SetLocation, locationPart = true, true
		case "area_type":
			a := checkAreaType(&v, "customer.area_type", pc.GetAreaType())
			ch.AreaType = &a
		case "visit_method":
			m := checkVisitMethod(&v, "customer.visit_method", pc.GetVisitMethod())
			ch.VisitMethod = &m
		case "kind":
			k := customer.Kind(pc.GetKind())
			ch.Kind = &k
		case "primary_manager":
			ch.PrimaryManager = ptr(strings.TrimPrefix(pc.GetPrimaryManager(), managerPrefix))
		case "backup_manager":
			ch.BackupManager = ptr(strings.TrimPrefix(pc.GetBackupManager(), managerPrefix))
		default:
			if top, _, _ := strings.Cut(p, "."); !customerMaskIgnored[p] && !customerMaskIgnored[top] {
				v.Add("update_mask", "%q cannot be updated; updatable fields are display_name, classification, address, location, area_type and visit_method (managers change through :assign)", p)
			}
		}
	}
	if all {
		ch.DisplayName = ptr(strings.TrimSpace(pc.GetDisplayName()))
		ch.Classification = ptr(strings.TrimSpace(pc.GetClassification()))
		ch.Address = ptr(strings.TrimSpace(pc.GetAddress()))
		ch.SetLocation = true
		a := checkAreaType(&v, "customer.area_type", pc.GetAreaType())
		m := checkVisitMethod(&v, "customer.visit_method", pc.GetVisitMethod())
		ch.AreaType, ch.VisitMethod = &a, &m
	}
	if locationPart && pc.GetLocation() == nil {
		v.Add("customer.location", "is required when update_mask names location.latitude or location.longitude; to clear the location, name location and leave it unset")
	}
	if ch.SetLocation {
		ch.Location = checkLocation(&v, "customer.location", pc.GetLocation())
	}
	if ch.DisplayName != nil {
		addErr(&v, "customer.display_name", customer.CheckDisplayName(*ch.DisplayName))
	}
	if ch.Classification != nil {
		addErr(&v, "customer.classification", customer.CheckClassification(*ch.Classification))
	}
	if ch.Address != nil {
		addErr(&v, "customer.address", customer.CheckAddress(*ch.Address))
	}
	if err := idempotency.Check(req.GetRequestId()); err != nil {
		return id, ch, err
	}
	return id, ch, v.Err()
}

func addErr(v *apierr.Violations, field string, err error) {
	if err != nil {
		v.Add(field, "%v", err)
	}
}

func checkLocation(v *apierr.Violations, field string, p *latlng.LatLng) *customer.Location {
	if p == nil {
		return nil
	}
	addErr(v, field+".latitude", customer.CheckLatitude(p.GetLatitude()))
	addErr(v, field+".longitude", customer.CheckLongitude(p.GetLongitude()))
	return &customer.Location{Lat: p.GetLatitude(), Lng: p.GetLongitude()}
}

func checkAreaType(v *apierr.Violations, field string, a rosterv1.Customer_AreaType) customer.AreaType {
	switch t := customer.AreaType(a); {
	case t == 0:
		v.Add(field, "is required: AREA_TYPE_URBAN, AREA_TYPE_TOWN or AREA_TYPE_VILLAGE")
	case !t.Valid():
		v.Add(field, "%d is not a known area type: use AREA_TYPE_URBAN, AREA_TYPE_TOWN or AREA_TYPE_VILLAGE", int(t))
	default:
		return t
	}
	return 0
}

func checkVisitMethod(v *apierr.Violations, field string, m rosterv1.Customer_VisitMethod) customer.VisitMethod {
	if vm := customer.VisitMethod(m); vm.Valid() {
		return vm
	}
	v.Add(field, "%d is not a known visit method: use VISIT_METHOD_IN_PERSON, VISIT_METHOD_PHONE or VISIT_METHOD_ONLINE", int32(m))
	return 0
}

func customerID(field, name string) (string, error) {
	var v apierr.Violations
	id := checkCustomerName(&v, field, name)
	return id, v.Err()
}

func checkCustomerName(v *apierr.Violations, field, name string) string {
	id, ok := strings.CutPrefix(name, customerPrefix)
	switch {
	case name == "":
		v.Add(field, "is required, e.g. customers/C10001")
	case !ok || customer.CheckCode(id) != nil:
		v.Add(field, "%q is not a customer name: want customers/{code} with a code of 1 to 32 letters, digits and hyphens", name)
	}
	return id
}

func fieldIndex(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }
