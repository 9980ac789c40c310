package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"tracetune/backend/llm"
	"tracetune/backend/secrets"
)

var providersCommand = Command{Name: "providers",
	Usage: "providers list | providers test [--name P]\n" +
		"providers add --name P --kind K [--url U] [--key-stdin] [--api-version V] [--account A]\n" +
		"       azure: [--subscription S --resource-group G --resource R --tenant T --client-id C\n" +
		"       [--client-secret-stdin]]\n" +
		"providers remove --name P",
	Summary: "model providers: list, test (lists their models), add, remove", Run: providersCmd,
	Help: `Model providers are OpenAI-compatible endpoints (openai, azure, openrouter,
ollama, lmstudio, vllm, fireworks, …). Keys go to the OS keyring, never the
database.
  list    every provider, the environment one (OPENAI_API_KEY) included
  test    lists the models of one provider (--name) or of every provider
  add     --name, --kind, --url (default per kind), --key or --key-stdin,
          --api-version (azure), --account (fireworks: the account id of
          accounts/<id>/…; the URL defaults to
          https://api.fireworks.ai/inference/v1 for chat, training uses
          https://api.fireworks.ai/v1/accounts/<id>)
          azure, to deploy fine-tuned models (deploy --target azure):
          --subscription, --resource-group and --resource (the Azure
          OpenAI resource's name) say where it is in Azure Resource
          Manager; --tenant and --client-id name an Entra service
          principal with the Cognitive Services Contributor role on it.
          Its client secret is read from $AZURE_CLIENT_SECRET, or with
          --client-secret-stdin from standard input (the line after the
          API key when --key-stdin is given too); never from a flag. It
          goes to the keyring like the key. --arm-url and --login-url
          are for sovereign clouds.
  remove  --name`}

var rolesCommand = Command{Name: "roles", Usage: "roles list | roles set --role R --provider P --model M [--json]",
	Summary: "which provider and model serve generation, judge, embedding, base, training", Run: rolesCmd,
	Help: `Each role (generation, judge, embedding, base, training) is served by one
provider and model. roles set --role R --provider P --model M assigns one.`}

var usageCommand = Command{Name: "usage", Usage: "usage [--dataset N] [--json]",
	Summary: "tokens and estimated cost per action", Run: usageCmd,
	Help: `Token and cost totals per action (topics, categorize, grader, dryrun, …),
for one dataset or all.`}

func (e *Env) manager() *llm.Manager { return &llm.Manager{Store: e.Store, Secrets: secrets.Default()} }

func providersCmd(e *Env, args []string) error {
	if len(args) == 0 {
		return Usage("providers: a subcommand is required: list, test, add or remove")
	}
	sub, args := args[0], args[1:]
	m := e.manager()
	switch sub {
	case "list":
		fs := Flags("providers list")
		if err := Parse(fs, args); err != nil {
			return err
		}
		ps, err := m.List(e.Ctx)
		if err != nil {
			return err
		}
		type row struct {
			llm.ProviderInfo
			KeyStorage string `json:"key_storage"`
		}
		rows := make([]row, len(ps))
		for i, p := range ps {
			rows[i] = row{p, secrets.Default().Backend()}
			if p.FromEnv {
				rows[i].KeyStorage = "environment"
			}
		}
		return e.Print(rows, func(w io.Writer) {
			if len(ps) == 0 {
				fmt.Fprintln(w, "no providers: tracetune providers add --name N --kind openai --key-stdin, or set OPENAI_API_KEY")
				return
			}
			fmt.Fprintf(w, "%-20s %-11s %-40s %-4s %s\n", "NAME", "KIND", "BASE URL", "KEY", "NOTE")
			for _, r := range rows {
				key, note := "no", ""
				if r.HasKey {
					key = "yes"
				}
				if r.FromEnv {
					note = "from OPENAI_API_KEY/OPENAI_BASE_URL"
				}
				fmt.Fprintf(w, "%-20s %-11s %-40s %-4s %s\n", r.Name, r.Kind, r.BaseURL, key, note)
			}
			fmt.Fprintln(w, secrets.Default().Status().Note)
		})
	case "test":
		fs := Flags("providers test")
		name := fs.String("name", "", "provider name")
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			*name, args = args[0], args[1:]
		}
		if err := Parse(fs, args); err != nil {
			return err
		}
		if *name == "" {
			rs, err := m.TestAll(e.Ctx)
			if err != nil {
				return err
			}
			if err := e.Print(rs, func(w io.Writer) {
				if len(rs) == 0 {
					fmt.Fprintln(w, "no providers: tracetune providers add --name N --kind openai --key-stdin, or set OPENAI_API_KEY")
				}
				for _, r := range rs {
					if r.OK {
						fmt.Fprintf(w, "%s: connected, %d models\n", r.Provider, len(r.Models))
					} else {
						fmt.Fprintf(w, "%s: %s\n", r.Provider, r.Error)
					}
				}
			}); err != nil {
				return err
			}
			return llm.Failed(rs)
		}
		models, err := m.Test(e.Ctx, *name)
		if err != nil {
			return err
		}
		return e.Print(map[string]any{"provider": *name, "ok": true, "models": models}, func(w io.Writer) {
			fmt.Fprintf(w, "%s: connected, %d models\n", *name, len(models))
			for _, id := range models {
				fmt.Fprintln(w, "  "+id)
			}
		})
	case "add":
		fs := Flags("providers add")
		var in llm.ProviderInput
		fs.StringVar(&in.Name, "name", "", "provider name")
		fs.StringVar(&in.Kind, "kind", "", "one of "+strings.Join(llm.Kinds, ", "))
		fs.StringVar(&in.BaseURL, "url", "", "base URL (default per kind)")
		fs.StringVar(&in.APIKey, "key", "", "API key (visible to other users in the process list; prefer --key-stdin)")
		keyStdin := fs.Bool("key-stdin", false, "read the API key from the first line of standard input")
		fs.StringVar(&in.APIVersion, "api-version", "", "Azure api-version")
		fs.StringVar(&in.Account, "account", "", "Fireworks account id")
		var arm llm.AzureARMInput
		fs.StringVar(&arm.Subscription, "subscription", "", "azure: subscription id of the resource")
		fs.StringVar(&arm.ResourceGroup, "resource-group", "", "azure: resource group of the resource")
		fs.StringVar(&arm.Resource, "resource", "", "azure: the Azure OpenAI resource's name")
		fs.StringVar(&arm.Tenant, "tenant", "", "azure: Entra tenant id of the service principal")
		fs.StringVar(&arm.ClientID, "client-id", "", "azure: the service principal's application (client) id")
		fs.StringVar(&arm.ARMURL, "arm-url", "", "azure: Resource Manager URL (sovereign clouds)")
		fs.StringVar(&arm.LoginURL, "login-url", "", "azure: Entra login URL (sovereign clouds)")
		secretStdin := fs.Bool("client-secret-stdin", false, "azure: read the client secret from standard input")
		fs.IntVar(&in.Concurrency, "concurrency", 0, "calls in flight at once")
		fs.IntVar(&in.RPM, "rpm", 0, "requests per minute (0 = unlimited)")
		fs.IntVar(&in.MaxRetries, "retries", 0, "retries on 429/5xx/network errors")
		fs.IntVar(&in.TimeoutMS, "timeout-ms", 0, "per-call timeout in milliseconds")
		if err := Parse(fs, args); err != nil {
			return err
		}
		if in.Name == "" || in.Kind == "" {
			return Usage("providers add: --name and --kind are required")
		}
		stdin := bufio.NewReader(os.Stdin)
		if *keyStdin {
			line, err := stdin.ReadString('\n')
			if err != nil && err != io.EOF {
				return fmt.Errorf("read key from stdin: %w", err)
			}
			in.APIKey = strings.TrimSpace(line)
		}
		if *secretStdin {
			line, err := stdin.ReadString('\n')
			if err != nil && err != io.EOF {
				return fmt.Errorf("read the client secret from stdin: %w", err)
			}
			arm.ClientSecret = strings.TrimSpace(line)
		} else if arm.ClientID != "" {
			arm.ClientSecret = strings.TrimSpace(os.Getenv("AZURE_CLIENT_SECRET"))
		}
		if arm != (llm.AzureARMInput{}) {
			if arm.ClientID != "" && arm.ClientSecret == "" {
				return Usage("providers add: the client secret of --client-id: set AZURE_CLIENT_SECRET or pass --client-secret-stdin")
			}
			in.AzureARM = &arm
		}
		p, err := m.Add(e.Ctx, in)
		if err != nil {
			return err
		}
		return e.Print(p, func(w io.Writer) {
			fmt.Fprintf(w, "added provider %s (%s, %s)", p.Name, p.Kind, p.BaseURL)
			if p.HasKey {
				fmt.Fprintf(w, "; key stored in the %s", secrets.Default().Backend())
			}
			if a := p.AzureARM; a != nil {
				fmt.Fprintf(w, "; deploys to resource %s (resource group %s) as client %s", a.Resource, a.ResourceGroup, a.ClientID)
			}
			fmt.Fprintln(w)
		})
	case "remove":
		fs := Flags("providers remove")
		name := fs.String("name", "", "provider name")
		if err := Parse(fs, args); err != nil {
			return err
		}
		if *name == "" {
			return Usage("providers remove: --name is required")
		}
		p, err := m.Get(e.Ctx, *name)
		if err != nil {
			return err
		}
		if p.FromEnv {
			return fmt.Errorf("provider %s comes from OPENAI_API_KEY/OPENAI_BASE_URL; unset them instead", p.Name)
		}
		if err := m.Remove(e.Ctx, p.ID); err != nil {
			return err
		}
		return e.Print(map[string]any{"removed": p.Name}, func(w io.Writer) { fmt.Fprintf(w, "removed provider %s and its key\n", p.Name) })
	}
	return Usage("providers: unknown subcommand %q (list, test, add, remove)", sub)
}

func rolesCmd(e *Env, args []string) error {
	if len(args) == 0 {
		return Usage("roles: a subcommand is required: list or set")
	}
	sub, args := args[0], args[1:]
	m := e.manager()
	switch sub {
	case "list":
		fs := Flags("roles list")
		if err := Parse(fs, args); err != nil {
			return err
		}
	case "set":
		fs := Flags("roles set")
		role := fs.String("role", "", strings.Join(llm.Roles, ", "))
		prov := fs.String("provider", "", "provider name (empty: unassign)")
		model := fs.String("model", "", "model (or Azure deployment) name")
		if err := Parse(fs, args); err != nil {
			return err
		}
		if *role == "" {
			return Usage("roles set: --role is required")
		}
		if err := m.SetRole(e.Ctx, *role, *prov, *model); err != nil {
			return err
		}
	default:
		return Usage("roles: unknown subcommand %q (list, set)", sub)
	}
	roles, err := m.Roles(e.Ctx)
	if err != nil {
		return err
	}
	return e.Print(roles, func(w io.Writer) {
		fmt.Fprintf(w, "%-11s %-20s %s\n", "ROLE", "PROVIDER", "MODEL")
		for _, r := range roles {
			p, model := r.Provider, r.Model
			if p == "" {
				p, model = "-", "-"
			}
			if r.Default {
				model += " (default)"
			}
			fmt.Fprintf(w, "%-11s %-20s %s\n", r.Role, p, model)
		}
	})
}

func usageCmd(e *Env, args []string) error {
	fs := Flags("usage")
	ds := fs.String("dataset", "", "dataset name or id (default: calls tied to no dataset)")
	if err := Parse(fs, args); err != nil {
		return err
	}
	var id int64
	if *ds != "" {
		d, err := e.Dataset(*ds)
		if err != nil {
			return err
		}
		id = d.ID
	}
	us, err := e.Store.UsageFor(e.Ctx, id)
	if err != nil {
		return err
	}
	return e.Print(us, func(w io.Writer) {
		fmt.Fprintf(w, "%-16s %-16s %-24s %7s %12s %12s %10s\n", "ACTION", "PROVIDER", "MODEL", "CALLS", "PROMPT", "COMPLETION", "COST $")
		for _, u := range us {
			fmt.Fprintf(w, "%-16s %-16s %-24s %7d %12d %12d %10.4f\n", u.Action, u.Provider, u.Model, u.Calls, u.PromptTokens, u.CompletionTokens, u.Cost)
		}
	})
}
