package admin_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hibiken/asynq"

	"github.com/reservas/reservas/store"
)

// deadTask puts one archived ("dead") task in the default queue and returns its id.
func (e *env) deadTask(id string) {
	e.t.Helper()
	cl := asynq.NewClient(e.queues)
	defer cl.Close()
	if _, err := cl.Enqueue(asynq.NewTask("payment:sync", []byte(`{"payment_id":"123"}`)), asynq.TaskID(id), asynq.Queue("default")); err != nil {
		e.t.Fatal(err)
	}
	insp := asynq.NewInspector(e.queues)
	defer insp.Close()
	if err := insp.ArchiveTask("default", id); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) taskState(id string) asynq.TaskState {
	e.t.Helper()
	insp := asynq.NewInspector(e.queues)
	defer insp.Close()
	info, err := insp.GetTaskInfo("default", id)
	if err != nil {
		e.t.Fatal(err)
	}
	return info.State
}

func TestAsynqmonIsBehindTheLogin(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	r := c.get("/admin/queues/")
	wantStatus(t, r, http.StatusSeeOther, "asynqmon without a session")
	r = c.get("/admin/queues/api/queues")
	wantStatus(t, r, http.StatusSeeOther, "asynqmon API without a session")
	r = c.do(http.MethodPost, "/admin/queues/api/queues/default/archived_tasks:run_all", nil)
	wantStatus(t, r, http.StatusUnauthorized, "asynqmon change without a session")
}

func TestAdminRetriesADeadTaskInAsynqmon(t *testing.T) {
	e := newEnv(t)
	e.deadTask("pay:123")
	c := e.client()
	c.login(e.user(store.RoleAdmin))
	r := c.get("/admin/queues/")
	wantStatus(t, r, http.StatusOK, "asynqmon UI")
	wantContains(t, r, "asynqmon UI", `window.FLAG_ROOT_PATH="\/admin\/queues"`, `window.FLAG_READ_ONLY="false"`)
	r = c.get("/admin/queues/api/queues/default/archived_tasks")
	wantStatus(t, r, http.StatusOK, "archived tasks")
	wantContains(t, r, "archived tasks", "pay:123", "payment:sync")
	r = c.do(http.MethodPost, "/admin/queues/api/queues/default/archived_tasks/pay:123:run", nil)
	wantStatus(t, r, http.StatusNoContent, "run the dead task")
	if st := e.taskState("pay:123"); st != asynq.TaskStatePending {
		t.Fatalf("task state after retry = %v, want pending", st)
	}
	// The JSON API shows the queue's counts too.
	code, body := c.api(http.MethodGet, "/api/v1/queues", "")
	if code != http.StatusOK || !strings.Contains(toJSON(body), `"queue":"default"`) {
		t.Fatalf("queues API: %d %v", code, body)
	}
}

func TestReadOnlyUserWatchesQueuesButCannotRetryOrDelete(t *testing.T) {
	e := newEnv(t)
	e.deadTask("pay:456")
	c := e.client()
	c.login(e.user(store.RoleReadOnly))
	r := c.get("/admin/queues/")
	wantStatus(t, r, http.StatusOK, "read-only asynqmon UI")
	wantContains(t, r, "read-only UI", `window.FLAG_READ_ONLY="true"`)
	wantStatus(t, c.get("/admin/queues/api/queues/default/archived_tasks"), http.StatusOK, "read-only list")
	for _, req := range []struct{ method, path string }{
		{http.MethodPost, "/admin/queues/api/queues/default/archived_tasks/pay:456:run"},
		{http.MethodPost, "/admin/queues/api/queues/default/archived_tasks:run_all"},
		{http.MethodDelete, "/admin/queues/api/queues/default/archived_tasks/pay:456"},
		{http.MethodDelete, "/admin/queues/api/queues/default/archived_tasks:delete_all"},
		{http.MethodPost, "/admin/queues/api/queues/default:pause"},
	} {
		r := c.do(req.method, req.path, nil)
		if r.status != http.StatusForbidden {
			t.Errorf("read-only %s %s: %d", req.method, req.path, r.status)
		}
	}
	if st := e.taskState("pay:456"); st != asynq.TaskStateArchived {
		t.Fatalf("task state = %v, want still archived", st)
	}
}
