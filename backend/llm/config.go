package llm

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Provider kinds.
const (
	KindOpenAI     = "openai"
	KindAzure      = "azure"
	KindOpenRouter = "openrouter"
	KindOllama     = "ollama"
	KindLMStudio   = "lmstudio"
	KindVLLM       = "vllm"
	KindFireworks  = "fireworks" // chat at /inference/v1, RFT in the account's control plane
	KindOther      = "other"     // any other OpenAI-compatible endpoint
)

// Kinds lists every provider kind, for forms and validation.
var Kinds = []string{KindOpenAI, KindAzure, KindOpenRouter, KindOllama, KindLMStudio, KindVLLM, KindFireworks, KindOther}

// DefaultBaseURL is the usual base URL of a kind ("" where there is none).
func DefaultBaseURL(kind string) string {
	switch kind {
	case KindOpenAI:
		return "https://api.openai.com/v1"
	case KindOpenRouter:
		return "https://openrouter.ai/api/v1"
	case KindOllama:
		return "http://localhost:11434/v1"
	case KindLMStudio:
		return "http://localhost:1234/v1"
	case KindVLLM:
		return "http://localhost:8000/v1"
	case KindFireworks:
		return "https://api.fireworks.ai/inference/v1"
	}
	return ""
}

// NeedsKey says whether a kind cannot work without an API key.
func NeedsKey(kind string) bool {
	return kind == KindOpenAI || kind == KindAzure || kind == KindOpenRouter || kind == KindFireworks
}

// DefaultAzureAPIVersion is used for Azure providers that name none.
const DefaultAzureAPIVersion = "2024-10-21"

// Defaults for the resilience settings.
const (
	DefaultConcurrency = 8
	DefaultMaxRetries  = 5
	DefaultTimeout     = 2 * time.Minute
	DefaultBackoffBase = 500 * time.Millisecond
	DefaultBackoffMax  = 30 * time.Second
	DefaultEmbedBatch  = 256
	maxRetryAfter      = 5 * time.Minute
)

// Config describes one provider. Zero values take the defaults above;
// MaxRetries 0 means DefaultMaxRetries and a negative value means none.
type Config struct {
	Name       string
	Kind       string
	BaseURL    string
	APIVersion string // Azure only
	Account    string // Fireworks only: the account id of the control plane's paths
	APIKey     string // never logged, stored or printed

	Concurrency int           // calls in flight at once
	RPM         int           // requests per minute; 0 = unlimited
	MaxRetries  int           // retries after the first attempt
	Timeout     time.Duration // per attempt
	BackoffBase time.Duration
	BackoffMax  time.Duration
	EmbedBatch  int // texts per embeddings request

	// StructuredMode is the structured-output mode known to work ("" = try
	// json_schema first).
	StructuredMode string

	HTTPClient *http.Client // optional; one with pooled connections is made otherwise
}

// String hides the key if a Config is ever printed.
func (c Config) String() string {
	return fmt.Sprintf("llm.Config{Name:%q Kind:%q BaseURL:%q}", c.Name, c.Kind, c.BaseURL)
}

func (c Config) withDefaults() Config {
	if c.Kind == "" {
		c.Kind = KindOther
	}
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL(c.Kind)
	}
	c.BaseURL = strings.TrimRight(strings.TrimSpace(c.BaseURL), "/")
	if c.Kind == KindAzure && c.APIVersion == "" {
		c.APIVersion = DefaultAzureAPIVersion
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	switch {
	case c.MaxRetries == 0:
		c.MaxRetries = DefaultMaxRetries
	case c.MaxRetries < 0:
		c.MaxRetries = 0
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.BackoffBase <= 0 {
		c.BackoffBase = DefaultBackoffBase
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = DefaultBackoffMax
	}
	if c.EmbedBatch <= 0 {
		c.EmbedBatch = DefaultEmbedBatch
	}
	return c
}

// ValidateEndpoint checks a kind and base URL, naming the bad field.
func ValidateEndpoint(kind, baseURL string) error {
	ok := false
	for _, k := range Kinds {
		ok = ok || k == kind
	}
	if !ok {
		return fmt.Errorf("kind %q is not one of %s", kind, strings.Join(Kinds, ", "))
	}
	if baseURL == "" {
		if DefaultBaseURL(kind) == "" {
			return fmt.Errorf("base URL is required for kind %s", kind)
		}
		return nil
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("base URL %q is not an http(s) URL", baseURL)
	}
	if u.User != nil {
		return fmt.Errorf("base URL must not contain credentials; put the key in the key field")
	}
	return nil
}
