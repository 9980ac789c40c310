package testutil

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// On-demand deployments of the Fireworks fake (shared/research/trainers.md
// §1.4): POST deployments?deploymentId= with {"baseModel",
// "minReplicaCount","maxReplicaCount"} (validateOnly=true checks only),
// GET (the state advances on each read: CREATING for DeploymentReads reads,
// then READY, or FAILED with status.message when FailDeployments was
// called), list, and DELETE. A LoRA of the account (accounts/{acct}/models/
// {id}) can be the baseModel once it is READY (live merge); its chat calls
// are refused until a READY deployment serves it, and a "#accounts/{acct}/
// deployments/{id}" suffix on the model name picks that deployment.

type fwDeploys struct {
	byID    map[string]*fwDeployment
	order   []string
	reads   int    // reads a new deployment stays CREATING
	fail    string // "": deployments become READY
	created int
	deleted []string
}

type fwDeployment struct {
	ID, BaseModel, State, StatusCode, StatusMsg string
	Min, Max                                    int
	reads                                       int
	created                                     time.Time
}

// FireworksDeployment is a deployment as the fake holds it.
type FireworksDeployment struct {
	ID, BaseModel, State, StatusMessage string
	MinReplicas, MaxReplicas            int
}

func newFWDeploys() fwDeploys { return fwDeploys{byID: map[string]*fwDeployment{}, reads: 2} }

// fwResourceID is what a Fireworks resource id may be.
var fwResourceID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// AddModel makes a READY model of the account (a LoRA a job produced), as
// if its job had completed.
func (f *Fireworks) AddModel(id string) { f.mu.Lock(); f.outModels[id] = "READY"; f.mu.Unlock() }

// SetDeploymentReads sets how many reads a new deployment stays CREATING.
func (f *Fireworks) SetDeploymentReads(n int) {
	f.mu.Lock()
	f.deploys.reads = max(n, 0)
	f.mu.Unlock()
}

// FailDeployments makes new deployments end FAILED with this message
// ("": they become READY).
func (f *Fireworks) FailDeployments(msg string) { f.mu.Lock(); f.deploys.fail = msg; f.mu.Unlock() }

// DeploymentsCreated counts successful deployment creations.
func (f *Fireworks) DeploymentsCreated() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.deploys.created
}

// DeletedDeployments lists the ids of deleted deployments, in order.
func (f *Fireworks) DeletedDeployments() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.deploys.deleted...)
}

// Deployments returns the deployments that exist, in creation order.
func (f *Fireworks) Deployments() []FireworksDeployment {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []FireworksDeployment{}
	for _, id := range f.deploys.order {
		if d := f.deploys.byID[id]; d != nil {
			out = append(out, FireworksDeployment{ID: d.ID, BaseModel: d.BaseModel, State: d.State, StatusMessage: d.StatusMsg, MinReplicas: d.Min, MaxReplicas: d.Max})
		}
	}
	return out
}

func (f *Fireworks) deploymentJSON(d *fwDeployment) map[string]any {
	replicas := 0
	if d.State == "READY" {
		replicas = d.Min // scaled to zero until traffic comes when min is 0
	}
	return map[string]any{"name": "accounts/" + f.Account + "/deployments/" + d.ID, "displayName": d.ID, "baseModel": d.BaseModel,
		"state": d.State, "status": map[string]any{"code": d.StatusCode, "message": d.StatusMsg},
		"minReplicaCount": d.Min, "maxReplicaCount": d.Max, "desiredReplicaCount": replicas, "replicaCount": replicas,
		"acceleratorType": "NVIDIA_H100_80GB", "acceleratorCount": 1, "createTime": d.created.Format(time.RFC3339)}
}

func (f *Fireworks) serveDeployments(w http.ResponseWriter, r *http.Request, parts []string, verb string, body []byte) {
	ds := &f.deploys
	if len(parts) == 0 {
		switch r.Method {
		case http.MethodPost:
			f.createDeployment(w, r, body)
		case http.MethodGet:
			list := []any{}
			for _, id := range ds.order {
				if d := ds.byID[id]; d != nil {
					list = append(list, f.deploymentJSON(d))
				}
			}
			fwJSON(w, map[string]any{"deployments": list, "nextPageToken": "", "totalSize": len(list)})
		default:
			fwFail(w, 5, "Not Found")
		}
		return
	}
	d := ds.byID[parts[0]]
	if d == nil || len(parts) != 1 || verb != "" {
		fwFail(w, 5, "deployment accounts/"+f.Account+"/deployments/"+parts[0]+" not found")
		return
	}
	switch r.Method {
	case http.MethodGet:
		if d.State == "CREATING" {
			d.reads++
			if d.reads > ds.reads {
				if ds.fail != "" {
					d.State, d.StatusCode, d.StatusMsg = "FAILED", "RESOURCE_EXHAUSTED", ds.fail
				} else {
					d.State = "READY"
				}
			}
		}
		fwJSON(w, f.deploymentJSON(d))
	case http.MethodDelete:
		delete(ds.byID, d.ID)
		ds.deleted = append(ds.deleted, d.ID)
		fwJSON(w, map[string]any{})
	default:
		fwFail(w, 5, "Not Found")
	}
}

func (f *Fireworks) createDeployment(w http.ResponseWriter, r *http.Request, body []byte) {
	ds := &f.deploys
	var req struct {
		BaseModel string `json:"baseModel"`
		Min       *int   `json:"minReplicaCount"`
		Max       *int   `json:"maxReplicaCount"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		fwFail(w, 3, "invalid argument: the body is not a Deployment: "+err.Error())
		return
	}
	id := r.URL.Query().Get("deploymentId")
	if id == "" {
		f.seq++
		id = fmt.Sprintf("%08x", f.seq)
	}
	d := &fwDeployment{ID: id, BaseModel: req.BaseModel, State: "CREATING", StatusCode: "OK", Max: 1, created: time.Now().UTC()}
	if req.Min != nil {
		d.Min = *req.Min
	}
	if req.Max != nil {
		d.Max = *req.Max
	}
	switch {
	case !fwResourceID.MatchString(id):
		fwFail(w, 3, "invalid argument: deploymentId "+strconv.Quote(id)+" must be 1-63 lowercase letters, digits or hyphens")
		return
	case req.BaseModel == "":
		fwFail(w, 3, "invalid argument: baseModel is required")
		return
	case d.Min < 0 || d.Max < d.Min:
		fwFail(w, 3, fmt.Sprintf("invalid argument: minReplicaCount %d and maxReplicaCount %d: want 0 <= min <= max", d.Min, d.Max))
		return
	case ds.byID[id] != nil:
		fwFail(w, 6, "deployment accounts/"+f.Account+"/deployments/"+id+" already exists")
		return
	}
	own := "accounts/" + f.Account + "/models/"
	if strings.HasPrefix(req.BaseModel, own) {
		switch st, ok := f.outModels[strings.TrimPrefix(req.BaseModel, own)]; {
		case !ok:
			fwFail(w, 3, "invalid argument: model "+req.BaseModel+" not found")
			return
		case st != "READY":
			fwFail(w, 9, "failed precondition: model "+req.BaseModel+" is "+st+", not READY")
			return
		}
	} else {
		known := false
		for _, m := range f.models {
			known = known || m == req.BaseModel
		}
		if !known {
			fwFail(w, 3, "invalid argument: model "+strconv.Quote(req.BaseModel)+" not found")
			return
		}
	}
	if r.URL.Query().Get("validateOnly") == "true" {
		fwJSON(w, f.deploymentJSON(d))
		return
	}
	ds.byID[id] = d
	ds.order = append(ds.order, id)
	ds.created++
	fwJSON(w, f.deploymentJSON(d))
}

// notServed says why a chat call cannot be answered ("" when it can): a
// model of the account needs a READY deployment of it, the one its
// "#accounts/…/deployments/…" suffix names when it has one.
func (f *Fireworks) notServed(body []byte) string {
	var req struct {
		Model string `json:"model"`
	}
	if json.Unmarshal(body, &req) != nil {
		return ""
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	model, dep, pinned := strings.Cut(req.Model, "#")
	if !strings.HasPrefix(model, "accounts/"+f.Account+"/models/") {
		return ""
	}
	refused := "Model not found, inaccessible, and/or not deployed"
	if pinned {
		d := f.deploys.byID[strings.TrimPrefix(dep, "accounts/"+f.Account+"/deployments/")]
		if d == nil || d.BaseModel != model || d.State != "READY" || !strings.HasPrefix(dep, "accounts/"+f.Account+"/deployments/") {
			return refused
		}
		return ""
	}
	for _, d := range f.deploys.byID {
		if d.BaseModel == model && d.State == "READY" {
			return ""
		}
	}
	return refused
}

// fwInferenceFail is the inference API's error: the OpenAI envelope.
func fwInferenceFail(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"object": "error", "type": "invalid_request_error", "code": "NOT_FOUND", "message": msg}})
}
