package approval_test

import (
	"context"
	"errors"
	"testing"

	"github.com/rmsuite/rmsuite/pkg/apierr"
	"github.com/rmsuite/rmsuite/pkg/approval"
	"github.com/rmsuite/rmsuite/pkg/auth"
	"github.com/rmsuite/rmsuite/pkg/storage"
	"github.com/rmsuite/rmsuite/pkg/storage/storagetest"
	approvalv1 "github.com/rmsuite/rmsuite/proto/gen/rmsuite/approval/v1"
)

var paths = map[string]string{
	"head-office": "/ho/", "br1": "/ho/br1/", "br2": "/ho/br2/", "team-a": "/ho/br1/sb1/team-a/",
}

func home(_ context.Context, unit string) (string, error) { return paths[unit], nil }

func as(sub, unit string, roles ...auth.Role) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{Subject: sub, OrgUnit: unit, Roles: roles})
}

func TestMakerChecker(t *testing.T) {
	storagetest.Each(t, nil, func(t *testing.T, db *storage.DB) {
		var applied []string
		fail := false
		srv := approval.NewServer("roster", db, approval.Appliers{
			"test.rename": func(ctx context.Context, payload []byte) error {
				if fail {
					return errors.New("the object changed meanwhile")
				}
				applied = append(applied, string(payload))
				return nil
			},
		}, home)
		cm := as("E3001", "team-a", auth.CustomerManager)
		supervisor := as("E1101", "team-a", auth.Supervisor)
		headBr1 := as("E1100", "br1", auth.BranchHead)
		headBr2 := as("E1200", "br2", auth.BranchHead)
		admin := as("E0001", "head-office", auth.Administrator)

		prepare := func(ctx context.Context, name string) string {
			t.Helper()
			var id string
			err := db.InTx(ctx, func(ctx context.Context) error {
				a, err := approval.Prepare(ctx, db, approval.Action{Action: "test.rename", Object: "things/1",
					OrgPath: "/ho/br1/sb1/team-a/", Summary: "rename thing 1 to " + name, Payload: []byte(name),
					ApproverPermission: auth.OrgUnitsWrite, Reason: "typo"})
				id = a.ID
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return "services/roster/approvals/" + id
		}

		first := prepare(cm, "new name")
		if _, err := srv.ApproveApproval(cm, &approvalv1.ApproveApprovalRequest{Name: first}); !errors.Is(err, approval.ErrSelfApproval) {
			t.Fatalf("self-approval: err = %v", err)
		}
		// The database refuses it too, whatever the code does.
		if err := db.InTx(context.Background(), func(ctx context.Context) error {
			_, err := db.Q(ctx).ExecContext(ctx, `UPDATE approvals SET state = 2, decided_by = prepared_by`)
			return err
		}); err == nil {
			t.Fatal("the database accepted a self-approval")
		}
		if _, err := srv.ApproveApproval(supervisor, &approvalv1.ApproveApprovalRequest{Name: first}); !errors.Is(err, approval.ErrNotAllowed) {
			t.Fatalf("approver without the action's permission: err = %v", err)
		}
		if _, err := srv.GetApproval(headBr2, &approvalv1.GetApprovalRequest{Name: first}); !errors.Is(err, approval.ErrNotFound) {
			t.Fatalf("branch head of another branch reading it: err = %v", err)
		}
		if _, err := srv.ApproveApproval(headBr2, &approvalv1.ApproveApprovalRequest{Name: first}); !errors.Is(err, approval.ErrNotFound) {
			t.Fatalf("branch head of another branch approving it: err = %v", err)
		}
		if len(applied) != 0 {
			t.Fatalf("applied %v before a valid approval", applied)
		}
		got, err := srv.ApproveApproval(headBr1, &approvalv1.ApproveApprovalRequest{Name: first, Reason: "checked"})
		if err != nil {
			t.Fatal(err)
		}
		if got.GetState() != approvalv1.Approval_STATE_APPROVED || got.GetDecidedBy() != "E1100" || got.GetPreparedBy() != "E3001" || len(applied) != 1 {
			t.Fatalf("approved = %v, applied %v", got, applied)
		}
		if _, err := srv.ApproveApproval(admin, &approvalv1.ApproveApprovalRequest{Name: first}); !errors.Is(err, approval.ErrNotPending) {
			t.Fatalf("approving twice: err = %v", err)
		}

		// A failing effect leaves the approval pending.
		second := prepare(cm, "second")
		fail = true
		if _, err := srv.ApproveApproval(admin, &approvalv1.ApproveApprovalRequest{Name: second}); err == nil {
			t.Fatal("approval succeeded although its effect failed")
		}
		fail = false
		if a, _ := srv.GetApproval(admin, &approvalv1.GetApprovalRequest{Name: second}); a.GetState() != approvalv1.Approval_STATE_PENDING {
			t.Fatalf("after a failed effect the approval is %v, want pending", a.GetState())
		}
		var inv *apierr.InvalidError
		if _, err := srv.RejectApproval(headBr1, &approvalv1.RejectApprovalRequest{Name: second}); !errors.As(err, &inv) {
			t.Fatalf("reject without a reason: err = %v", err)
		}
		rejected, err := srv.RejectApproval(headBr1, &approvalv1.RejectApprovalRequest{Name: second, Reason: "name is taken"})
		if err != nil || rejected.GetState() != approvalv1.Approval_STATE_REJECTED || rejected.GetDecideReason() != "name is taken" {
			t.Fatalf("reject = %v, %v", rejected, err)
		}

		third := prepare(cm, "third")
		if _, err := srv.WithdrawApproval(admin, &approvalv1.WithdrawApprovalRequest{Name: third}); !errors.Is(err, approval.ErrNotPreparer) {
			t.Fatalf("withdrawal by someone else: err = %v", err)
		}
		if w, err := srv.WithdrawApproval(cm, &approvalv1.WithdrawApprovalRequest{Name: third, Reason: "not needed"}); err != nil || w.GetState() != approvalv1.Approval_STATE_WITHDRAWN {
			t.Fatalf("withdraw = %v, %v", w, err)
		}
		if len(applied) != 1 {
			t.Fatalf("applied %v; only the approved action may take effect", applied)
		}

		// The trail: who prepared and who decided, queryable by state and person.
		list := func(ctx context.Context, filter string) []*approvalv1.Approval {
			t.Helper()
			resp, err := srv.ListApprovals(ctx, &approvalv1.ListApprovalsRequest{Parent: "services/roster", Filter: filter})
			if err != nil {
				t.Fatal(err)
			}
			return resp.GetApprovals()
		}
		if a := list(admin, "state = APPROVED"); len(a) != 1 || a[0].GetDecidedBy() != "E1100" || a[0].GetPrepareReason() != "typo" {
			t.Fatalf("approved trail = %v", a)
		}
		if a := list(admin, `decided_by = "E1100"`); len(a) != 2 {
			t.Fatalf("decisions of E1100 = %d, want 2 (approved and rejected)", len(a))
		}
		if a := list(cm, ""); len(a) != 3 {
			t.Fatalf("the preparer sees %d of their approvals, want 3", len(a))
		}
		if a := list(headBr2, ""); len(a) != 0 {
			t.Fatalf("a branch head of another branch sees %d approvals", len(a))
		}
		if a := list(supervisor, "state = PENDING"); len(a) != 0 {
			t.Fatalf("pending approvals after all decisions: %d", len(a))
		}
	})
}
