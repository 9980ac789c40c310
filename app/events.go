package app

// Event names the window listens to. Wails generates a TypeScript enum from
// Events (main.go's EnumBind), so Go and the frontend share one spelling.
type Event string

const (
	EventJob     Event = "job"     // jobs.Progress of any job
	EventChanged Event = "changed" // {dataset_id}: data of a dataset changed; refresh views

	// A streamed playground answer: PlaygroundEvent, a text delta of one
	// side, or that side's complete (or stopped) answer.
	EventPlayground Event = "playground"

	// The native menu's page actions (no data): the page opens its own dialog.
	EventMenuNewDataset Event = "menu:new-dataset"
	EventMenuImport     Event = "menu:import"
	EventMenuExport     Event = "menu:export"
)

// Events lists every event for Wails' enum binding.
var Events = []struct {
	Value  Event
	TSName string
}{
	{EventJob, "Job"},
	{EventChanged, "Changed"},
	{EventPlayground, "Playground"},
	{EventMenuNewDataset, "MenuNewDataset"},
	{EventMenuImport, "MenuImport"},
	{EventMenuExport, "MenuExport"},
}
