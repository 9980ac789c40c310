package topics

import (
	"context"
	"fmt"

	"tracetune/backend/store"
)

// Template is a built-in starting hierarchy.
type Template struct {
	Key         string            `json:"key"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Topics      []store.TopicSpec `json:"topics"`
}

func leaf(name, desc string, kw ...string) store.TopicSpec {
	return store.TopicSpec{Name: name, Description: desc, Keywords: kw}
}

var templates = []Template{
	{"customer_support", "Customer support", "Help-desk traffic: accounts, billing, orders, technical problems.", []store.TopicSpec{
		leaf("account_access", "Logging in, passwords, two-factor codes and locked accounts.", "login", "password", "reset", "locked", "account", "sign in", "2fa"),
		leaf("billing_payments", "Charges, invoices, refunds and subscription payments.", "charge", "invoice", "refund", "payment", "billing", "subscription", "charged"),
		leaf("orders_shipping", "Order status, delivery, returns and exchanges.", "order", "shipping", "delivery", "tracking", "return", "package", "exchange"),
		leaf("technical_issues", "Errors, crashes and features that do not work as expected.", "error", "bug", "crash", "not working", "broken", "issue", "app"),
		leaf("product_questions", "Questions about what a product or plan does before or after buying.", "feature", "plan", "pricing", "compare", "support", "does it", "available"),
		leaf("complaints_feedback", "Complaints, praise and suggestions about the service.", "complaint", "unhappy", "disappointed", "feedback", "suggestion", "manager", "terrible"),
	}},
	{"coding_assistant", "Coding assistant", "Developers asking for code, fixes and explanations.", []store.TopicSpec{
		leaf("debugging", "Finding and fixing the cause of an error, exception or wrong output.", "error", "exception", "traceback", "bug", "fix", "fails", "crash"),
		leaf("code_generation", "Writing new functions, scripts or components from a description.", "write", "function", "implement", "script", "generate", "create", "class"),
		leaf("code_explanation", "Explaining what a piece of code or a concept does.", "explain", "what does", "how does", "understand", "meaning", "why"),
		leaf("refactoring_review", "Improving, reviewing or restructuring existing code.", "refactor", "review", "clean", "improve", "optimize", "performance", "readable"),
		leaf("sql_databases", "Queries, schemas and database behaviour.", "sql", "query", "join", "table", "database", "index", "select"),
		leaf("devops_tooling", "Builds, deployment, CI, containers and developer tools.", "docker", "deploy", "ci", "build", "git", "kubernetes", "pipeline"),
	}},
	{"data_analysis", "Data analysis", "Analysts asking about data, statistics and charts.", []store.TopicSpec{
		leaf("data_cleaning", "Missing values, duplicates, types and reshaping data.", "clean", "missing", "duplicate", "null", "format", "convert", "reshape"),
		leaf("statistics", "Tests, distributions, correlations and significance.", "mean", "median", "correlation", "regression", "significant", "p-value", "distribution"),
		leaf("visualization", "Choosing and building charts and dashboards.", "chart", "plot", "graph", "visualize", "dashboard", "axis", "histogram"),
		leaf("spreadsheets", "Excel and Google Sheets formulas and pivot tables.", "excel", "spreadsheet", "formula", "pivot", "vlookup", "cell", "sheet"),
		leaf("sql_analytics", "Aggregations, windows and reporting queries.", "sql", "group by", "aggregate", "window", "query", "sum", "count"),
		leaf("reporting_insights", "Summarizing findings, KPIs and trends for a report.", "report", "insight", "trend", "kpi", "summary", "metric", "growth"),
	}},
	{"agent_tool_use", "Agent tool use", "Agents that call tools to act for the user.", []store.TopicSpec{
		leaf("search_retrieval", "Looking things up: web search, documents, knowledge bases.", "search", "find", "look up", "retrieve", "documents", "latest", "source"),
		leaf("scheduling_calendar", "Meetings, reminders and calendar changes.", "schedule", "meeting", "calendar", "remind", "appointment", "reschedule", "tomorrow"),
		leaf("email_messaging", "Drafting, sending and triaging messages.", "email", "send", "reply", "message", "draft", "inbox", "forward"),
		leaf("booking_transactions", "Bookings, purchases and other transactions.", "book", "reserve", "buy", "order", "flight", "ticket", "purchase"),
		leaf("file_data_operations", "Reading, writing and transforming files and records.", "file", "upload", "download", "spreadsheet", "export", "import", "folder"),
		leaf("code_execution", "Running code or commands to compute an answer.", "run", "execute", "python", "script", "calculate", "command", "compute"),
	}},
	{"general_chat", "General chat", "Open-ended assistant conversations.", []store.TopicSpec{
		leaf("advice_recommendations", "Personal advice and recommendations.", "should i", "recommend", "advice", "best", "suggest", "which", "tips"),
		leaf("writing_help", "Drafting, editing and rewriting text.", "write", "rewrite", "edit", "essay", "email", "letter", "tone"),
		leaf("facts_explanations", "Factual questions and explanations of how things work.", "what is", "why", "how does", "explain", "history", "meaning", "difference"),
		leaf("planning_travel", "Trips, itineraries and plans.", "trip", "travel", "itinerary", "visit", "plan", "flight", "hotel"),
		leaf("health_fitness_food", "Exercise, diet, recipes and wellbeing.", "workout", "diet", "recipe", "cook", "healthy", "exercise", "sleep"),
		leaf("math_reasoning", "Calculations, puzzles and word problems.", "calculate", "solve", "math", "percent", "equation", "probability", "how many"),
	}},
}

// Templates lists the built-in hierarchies.
func (s *Service) Templates() []Template { return Templates() }

// Templates lists the built-in hierarchies (a copy the caller may change).
func Templates() []Template {
	out := make([]Template, len(templates))
	copy(out, templates)
	return out
}

// ApplyTemplate replaces a dataset's hierarchy with a built-in template,
// keeping or clearing existing assignments like Import.
func (s *Service) ApplyTemplate(ctx context.Context, datasetID int64, key string, keep bool) (ImportResult, error) {
	for _, t := range templates {
		if t.Key == key {
			return s.Import(ctx, datasetID, Hierarchy{Version: HierarchyVersion, Topics: t.Topics}, keep)
		}
	}
	var keys []string
	for _, t := range templates {
		keys = append(keys, t.Key)
	}
	return ImportResult{}, fmt.Errorf("no template %q (have %v)", key, keys)
}
