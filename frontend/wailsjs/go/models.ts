export namespace app {
	
	export enum Event {
	    Job = "job",
	    Changed = "changed",
	    Playground = "playground",
	    MenuNewDataset = "menu:new-dataset",
	    MenuImport = "menu:import",
	    MenuExport = "menu:export",
	}
	export class Added {
	    topic: record.Topic;
	    cleared: number;
	
	    static createFrom(source: any = {}) {
	        return new Added(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.topic = this.convertValues(source["topic"], record.Topic);
	        this.cleared = source["cleared"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class AzureARM {
	    subscription: string;
	    resource_group: string;
	    resource: string;
	    tenant: string;
	    client_id: string;
	    client_secret: string;
	    has_secret: boolean;
	    arm_url: string;
	    login_url: string;
	
	    static createFrom(source: any = {}) {
	        return new AzureARM(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.subscription = source["subscription"];
	        this.resource_group = source["resource_group"];
	        this.resource = source["resource"];
	        this.tenant = source["tenant"];
	        this.client_id = source["client_id"];
	        this.client_secret = source["client_secret"];
	        this.has_secret = source["has_secret"];
	        this.arm_url = source["arm_url"];
	        this.login_url = source["login_url"];
	    }
	}
	export class FilterInput {
	    from: string;
	    to: string;
	    model: string;
	    text: string;
	    has_tools: boolean;
	    exclude_errors: boolean;
	
	    static createFrom(source: any = {}) {
	        return new FilterInput(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.from = source["from"];
	        this.to = source["to"];
	        this.model = source["model"];
	        this.text = source["text"];
	        this.has_tools = source["has_tools"];
	        this.exclude_errors = source["exclude_errors"];
	    }
	}
	export class CreateInput {
	    name: string;
	    objective: string;
	    source: string;
	    filter: FilterInput;
	    ids: string[];
	    window_end: string;
	
	    static createFrom(source: any = {}) {
	        return new CreateInput(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.objective = source["objective"];
	        this.source = source["source"];
	        this.filter = this.convertValues(source["filter"], FilterInput);
	        this.ids = source["ids"];
	        this.window_end = source["window_end"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Created {
	    dataset: record.Dataset;
	    job_id: number;
	
	    static createFrom(source: any = {}) {
	        return new Created(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.dataset = this.convertValues(source["dataset"], record.Dataset);
	        this.job_id = source["job_id"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class GraderCheck {
	    problems: grader.Problem[];
	    version: string;
	
	    static createFrom(source: any = {}) {
	        return new GraderCheck(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.problems = this.convertValues(source["problems"], grader.Problem);
	        this.version = source["version"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class GraderState {
	    configured: boolean;
	    grader: grader.Grader;
	    version: string;
	    last_test?: grader.TestResult;
	    kinds: string[];
	    metrics: string[];
	    trainers: string[];
	    versions: store.GraderVersion[];
	
	    static createFrom(source: any = {}) {
	        return new GraderState(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.configured = source["configured"];
	        this.grader = this.convertValues(source["grader"], grader.Grader);
	        this.version = source["version"];
	        this.last_test = this.convertValues(source["last_test"], grader.TestResult);
	        this.kinds = source["kinds"];
	        this.metrics = source["metrics"];
	        this.trainers = source["trainers"];
	        this.versions = this.convertValues(source["versions"], store.GraderVersion);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class KeyStorage {
	    backend: string;
	    path: string;
	    note: string;
	
	    static createFrom(source: any = {}) {
	        return new KeyStorage(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.backend = source["backend"];
	        this.path = source["path"];
	        this.note = source["note"];
	    }
	}
	export class Kind {
	    kind: string;
	    default_url: string;
	    needs_key: boolean;
	    uses_api_version: boolean;
	    uses_account: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Kind(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.kind = source["kind"];
	        this.default_url = source["default_url"];
	        this.needs_key = source["needs_key"];
	        this.uses_api_version = source["uses_api_version"];
	        this.uses_account = source["uses_account"];
	    }
	}
	export class Linked {
	    source: string;
	    kind: string;
	    since: string;
	    pending: boolean;
	    last_new: number;
	    updated: string;
	    filter: string;
	    source_id: number;
	
	    static createFrom(source: any = {}) {
	        return new Linked(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.source = source["source"];
	        this.kind = source["kind"];
	        this.since = source["since"];
	        this.pending = source["pending"];
	        this.last_new = source["last_new"];
	        this.updated = source["updated"];
	        this.filter = source["filter"];
	        this.source_id = source["source_id"];
	    }
	}
	export class PreviewRow {
	    id: string;
	    time: string;
	    model: string;
	    messages: number;
	    first_user: string;
	    has_tools: boolean;
	    error: boolean;
	
	    static createFrom(source: any = {}) {
	        return new PreviewRow(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.time = source["time"];
	        this.model = source["model"];
	        this.messages = source["messages"];
	        this.first_user = source["first_user"];
	        this.has_tools = source["has_tools"];
	        this.error = source["error"];
	    }
	}
	export class PreviewPage {
	    rows: PreviewRow[];
	    next: string;
	    total: number;
	    window_end: string;
	
	    static createFrom(source: any = {}) {
	        return new PreviewPage(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.rows = this.convertValues(source["rows"], PreviewRow);
	        this.next = source["next"];
	        this.total = source["total"];
	        this.window_end = source["window_end"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class Price {
	    model: string;
	    prompt_per_m: number;
	    completion_per_m: number;
	
	    static createFrom(source: any = {}) {
	        return new Price(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.model = source["model"];
	        this.prompt_per_m = source["prompt_per_m"];
	        this.completion_per_m = source["completion_per_m"];
	    }
	}
	export class Provider {
	    id: number;
	    name: string;
	    kind: string;
	    base_url: string;
	    api_version: string;
	    has_key: boolean;
	    from_env: boolean;
	    concurrency: number;
	    rpm: number;
	    max_retries: number;
	    timeout_ms: number;
	    structured_mode: string;
	    azure_arm?: AzureARM;
	
	    static createFrom(source: any = {}) {
	        return new Provider(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.kind = source["kind"];
	        this.base_url = source["base_url"];
	        this.api_version = source["api_version"];
	        this.has_key = source["has_key"];
	        this.from_env = source["from_env"];
	        this.concurrency = source["concurrency"];
	        this.rpm = source["rpm"];
	        this.max_retries = source["max_retries"];
	        this.timeout_ms = source["timeout_ms"];
	        this.structured_mode = source["structured_mode"];
	        this.azure_arm = this.convertValues(source["azure_arm"], AzureARM);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class ProviderInput {
	    name: string;
	    kind: string;
	    base_url: string;
	    api_key: string;
	    clear_key: boolean;
	    api_version: string;
	    concurrency: number;
	    rpm: number;
	    max_retries: number;
	    timeout_ms: number;
	    azure_arm?: AzureARM;
	
	    static createFrom(source: any = {}) {
	        return new ProviderInput(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.kind = source["kind"];
	        this.base_url = source["base_url"];
	        this.api_key = source["api_key"];
	        this.clear_key = source["clear_key"];
	        this.api_version = source["api_version"];
	        this.concurrency = source["concurrency"];
	        this.rpm = source["rpm"];
	        this.max_retries = source["max_retries"];
	        this.timeout_ms = source["timeout_ms"];
	        this.azure_arm = this.convertValues(source["azure_arm"], AzureARM);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class RecordRow {
	    id: number;
	    line: number;
	    shape: string;
	    preview: string;
	    turns: number;
	    code: string;
	    detail: string;
	    topic_id: number;
	    topic: string;
	    confidence: number;
	    method: string;
	    generated: boolean;
	    source: string;
	
	    static createFrom(source: any = {}) {
	        return new RecordRow(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.line = source["line"];
	        this.shape = source["shape"];
	        this.preview = source["preview"];
	        this.turns = source["turns"];
	        this.code = source["code"];
	        this.detail = source["detail"];
	        this.topic_id = source["topic_id"];
	        this.topic = source["topic"];
	        this.confidence = source["confidence"];
	        this.method = source["method"];
	        this.generated = source["generated"];
	        this.source = source["source"];
	    }
	}
	export class RecordPage {
	    rows: RecordRow[];
	    next_id: number;
	    has_more: boolean;
	    total: number;
	    indexing: number;
	
	    static createFrom(source: any = {}) {
	        return new RecordPage(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.rows = this.convertValues(source["rows"], RecordRow);
	        this.next_id = source["next_id"];
	        this.has_more = source["has_more"];
	        this.total = source["total"];
	        this.indexing = source["indexing"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class RecordQuery {
	    dataset_id: number;
	    code: string;
	    topic_id: number;
	    generated?: boolean;
	    min_confidence?: number;
	    max_confidence?: number;
	    search: string;
	    after_id: number;
	    limit: number;
	    with_total: boolean;
	
	    static createFrom(source: any = {}) {
	        return new RecordQuery(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.dataset_id = source["dataset_id"];
	        this.code = source["code"];
	        this.topic_id = source["topic_id"];
	        this.generated = source["generated"];
	        this.min_confidence = source["min_confidence"];
	        this.max_confidence = source["max_confidence"];
	        this.search = source["search"];
	        this.after_id = source["after_id"];
	        this.limit = source["limit"];
	        this.with_total = source["with_total"];
	    }
	}
	
	export class Replaced {
	    topics: number;
	    cleared: number;
	    job_id: number;
	
	    static createFrom(source: any = {}) {
	        return new Replaced(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.topics = source["topics"];
	        this.cleared = source["cleared"];
	        this.job_id = source["job_id"];
	    }
	}
	export class Role {
	    role: string;
	    provider: string;
	    model: string;
	    default: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Role(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.role = source["role"];
	        this.provider = source["provider"];
	        this.model = source["model"];
	        this.default = source["default"];
	    }
	}
	export class SourceInfo {
	    id: number;
	    name: string;
	    kind: string;
	    url: string;
	    project: string;
	    has_key: boolean;
	    has_public_key: boolean;
	    has_secret_key: boolean;
	    look_back_minutes: number;
	    look_back: string;
	
	    static createFrom(source: any = {}) {
	        return new SourceInfo(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.kind = source["kind"];
	        this.url = source["url"];
	        this.project = source["project"];
	        this.has_key = source["has_key"];
	        this.has_public_key = source["has_public_key"];
	        this.has_secret_key = source["has_secret_key"];
	        this.look_back_minutes = source["look_back_minutes"];
	        this.look_back = source["look_back"];
	    }
	}
	export class SourceInput {
	    name: string;
	    kind: string;
	    url: string;
	    project: string;
	    key: string;
	    public_key: string;
	    secret_key: string;
	    look_back_minutes?: number;
	
	    static createFrom(source: any = {}) {
	        return new SourceInput(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.kind = source["kind"];
	        this.url = source["url"];
	        this.project = source["project"];
	        this.key = source["key"];
	        this.public_key = source["public_key"];
	        this.secret_key = source["secret_key"];
	        this.look_back_minutes = source["look_back_minutes"];
	    }
	}
	export class SourceKind {
	    kind: string;
	    label: string;
	    keys: string;
	    is_file: boolean;
	    url_hint: string;
	    uses_project: boolean;
	
	    static createFrom(source: any = {}) {
	        return new SourceKind(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.kind = source["kind"];
	        this.label = source["label"];
	        this.keys = source["keys"];
	        this.is_file = source["is_file"];
	        this.url_hint = source["url_hint"];
	        this.uses_project = source["uses_project"];
	    }
	}
	export class Tested {
	    source?: SourceInfo;
	    test: gateway.Probe;
	
	    static createFrom(source: any = {}) {
	        return new Tested(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.source = this.convertValues(source["source"], SourceInfo);
	        this.test = this.convertValues(source["test"], gateway.Probe);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Usage {
	    action: string;
	    provider: string;
	    model: string;
	    calls: number;
	    prompt_tokens: number;
	    completion_tokens: number;
	    cost: number;
	
	    static createFrom(source: any = {}) {
	        return new Usage(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.action = source["action"];
	        this.provider = source["provider"];
	        this.model = source["model"];
	        this.calls = source["calls"];
	        this.prompt_tokens = source["prompt_tokens"];
	        this.completion_tokens = source["completion_tokens"];
	        this.cost = source["cost"];
	    }
	}

}

export namespace coverage {
	
	export class Stat {
	    topic_id: number;
	    topic: string;
	    count: number;
	    percent: number;
	    target: number;
	    gap: number;
	    fill: number;
	    status: string;
	    needed: number;
	    to_target: number;
	    custom: boolean;
	    generated: number;
	
	    static createFrom(source: any = {}) {
	        return new Stat(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.topic_id = source["topic_id"];
	        this.topic = source["topic"];
	        this.count = source["count"];
	        this.percent = source["percent"];
	        this.target = source["target"];
	        this.gap = source["gap"];
	        this.fill = source["fill"];
	        this.status = source["status"];
	        this.needed = source["needed"];
	        this.to_target = source["to_target"];
	        this.custom = source["custom"];
	        this.generated = source["generated"];
	    }
	}
	export class Report {
	    balance: number;
	    rating: string;
	    distribution: Record<string, Stat>;
	    topics: Stat[];
	    uncategorized: number;
	    categorized: number;
	    valid: number;
	    recommendations: string[];
	    note?: string;
	
	    static createFrom(source: any = {}) {
	        return new Report(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.balance = source["balance"];
	        this.rating = source["rating"];
	        this.distribution = this.convertValues(source["distribution"], Stat, true);
	        this.topics = this.convertValues(source["topics"], Stat);
	        this.uncategorized = source["uncategorized"];
	        this.categorized = source["categorized"];
	        this.valid = source["valid"];
	        this.recommendations = source["recommendations"];
	        this.note = source["note"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace deploy {
	
	export class Answer {
	    side: string;
	    provider: string;
	    model: string;
	    text: string;
	    tool_calls: record.ToolCall[];
	    message: record.Message;
	    latency_ms: number;
	    prompt_tokens: number;
	    completion_tokens: number;
	    error?: string;
	    stopped?: boolean;
	    grade?: grader.Result;
	
	    static createFrom(source: any = {}) {
	        return new Answer(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.side = source["side"];
	        this.provider = source["provider"];
	        this.model = source["model"];
	        this.text = source["text"];
	        this.tool_calls = this.convertValues(source["tool_calls"], record.ToolCall);
	        this.message = this.convertValues(source["message"], record.Message);
	        this.latency_ms = source["latency_ms"];
	        this.prompt_tokens = source["prompt_tokens"];
	        this.completion_tokens = source["completion_tokens"];
	        this.error = source["error"];
	        this.stopped = source["stopped"];
	        this.grade = this.convertValues(source["grade"], grader.Result);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class BenchmarkOptions {
	    job_id: number;
	    seed: number;
	    limit: number;
	    base_provider: string;
	    base_model: string;
	
	    static createFrom(source: any = {}) {
	        return new BenchmarkOptions(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.job_id = source["job_id"];
	        this.seed = source["seed"];
	        this.limit = source["limit"];
	        this.base_provider = source["base_provider"];
	        this.base_model = source["base_model"];
	    }
	}
	export class TopicReport {
	    base: number;
	    tuned: number;
	    diff: number;
	    n: number;
	
	    static createFrom(source: any = {}) {
	        return new TopicReport(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.base = source["base"];
	        this.tuned = source["tuned"];
	        this.diff = source["diff"];
	        this.n = source["n"];
	    }
	}
	export class SideReport {
	    provider: string;
	    model: string;
	    mean: number;
	    n: number;
	    failed: number;
	    latency_mean_ms: number;
	    latency_p50_ms: number;
	    latency_p95_ms: number;
	    prompt_tokens: number;
	    completion_tokens: number;
	    cost: number;
	
	    static createFrom(source: any = {}) {
	        return new SideReport(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.provider = source["provider"];
	        this.model = source["model"];
	        this.mean = source["mean"];
	        this.n = source["n"];
	        this.failed = source["failed"];
	        this.latency_mean_ms = source["latency_mean_ms"];
	        this.latency_p50_ms = source["latency_p50_ms"];
	        this.latency_p95_ms = source["latency_p95_ms"];
	        this.prompt_tokens = source["prompt_tokens"];
	        this.completion_tokens = source["completion_tokens"];
	        this.cost = source["cost"];
	    }
	}
	export class Report {
	    benchmark_id: number;
	    job_id: number;
	    grader_version: string;
	    seed: number;
	    base: SideReport;
	    tuned: SideReport;
	    diff: number;
	    ci95: number[];
	    per_topic: Record<string, TopicReport>;
	    wins: number;
	    ties: number;
	    losses: number;
	    paired: number;
	    records: number;
	    asked: number;
	    notes?: string[];
	
	    static createFrom(source: any = {}) {
	        return new Report(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.benchmark_id = source["benchmark_id"];
	        this.job_id = source["job_id"];
	        this.grader_version = source["grader_version"];
	        this.seed = source["seed"];
	        this.base = this.convertValues(source["base"], SideReport);
	        this.tuned = this.convertValues(source["tuned"], SideReport);
	        this.diff = source["diff"];
	        this.ci95 = source["ci95"];
	        this.per_topic = this.convertValues(source["per_topic"], TopicReport, true);
	        this.wins = source["wins"];
	        this.ties = source["ties"];
	        this.losses = source["losses"];
	        this.paired = source["paired"];
	        this.records = source["records"];
	        this.asked = source["asked"];
	        this.notes = source["notes"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class BenchmarkRun {
	    id: number;
	    dataset_id: number;
	    job_id: number;
	    grader_version: string;
	    base_provider: string;
	    base_model: string;
	    tuned_provider: string;
	    tuned_model: string;
	    seed: number;
	    state: string;
	    message: string;
	    // Go type: time
	    created_at: any;
	    // Go type: time
	    finished_at: any;
	    report?: Report;
	
	    static createFrom(source: any = {}) {
	        return new BenchmarkRun(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.dataset_id = source["dataset_id"];
	        this.job_id = source["job_id"];
	        this.grader_version = source["grader_version"];
	        this.base_provider = source["base_provider"];
	        this.base_model = source["base_model"];
	        this.tuned_provider = source["tuned_provider"];
	        this.tuned_model = source["tuned_model"];
	        this.seed = source["seed"];
	        this.state = source["state"];
	        this.message = source["message"];
	        this.created_at = this.convertValues(source["created_at"], null);
	        this.finished_at = this.convertValues(source["finished_at"], null);
	        this.report = this.convertValues(source["report"], Report);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Entry {
	    id: string;
	    model_name: string;
	    litellm_params: Record<string, any>;
	    model_info?: Record<string, any>;
	
	    static createFrom(source: any = {}) {
	        return new Entry(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.model_name = source["model_name"];
	        this.litellm_params = source["litellm_params"];
	        this.model_info = source["model_info"];
	    }
	}
	export class Change {
	    op: string;
	    id: string;
	    before?: Entry;
	    after: Entry;
	
	    static createFrom(source: any = {}) {
	        return new Change(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.op = source["op"];
	        this.id = source["id"];
	        this.before = this.convertValues(source["before"], Entry);
	        this.after = this.convertValues(source["after"], Entry);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Deployment {
	    id: number;
	    dataset_id: number;
	    target: string;
	    mode: string;
	    source: string;
	    model_name: string;
	    base_model: string;
	    tuned_model: string;
	    split: number;
	    state: string;
	    summary: string;
	    snippet: string;
	    message: string;
	    // Go type: time
	    created_at: any;
	    // Go type: time
	    ended_at: any;
	    changes: Change[];
	    notes?: string[];
	
	    static createFrom(source: any = {}) {
	        return new Deployment(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.dataset_id = source["dataset_id"];
	        this.target = source["target"];
	        this.mode = source["mode"];
	        this.source = source["source"];
	        this.model_name = source["model_name"];
	        this.base_model = source["base_model"];
	        this.tuned_model = source["tuned_model"];
	        this.split = source["split"];
	        this.state = source["state"];
	        this.summary = source["summary"];
	        this.snippet = source["snippet"];
	        this.message = source["message"];
	        this.created_at = this.convertValues(source["created_at"], null);
	        this.ended_at = this.convertValues(source["ended_at"], null);
	        this.changes = this.convertValues(source["changes"], Change);
	        this.notes = source["notes"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class LiveSide {
	    model: string;
	    traces: number;
	    graded: number;
	    mean: number;
	
	    static createFrom(source: any = {}) {
	        return new LiveSide(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.model = source["model"];
	        this.traces = source["traces"];
	        this.graded = source["graded"];
	        this.mean = source["mean"];
	    }
	}
	export class LiveReport {
	    deployment_id: number;
	    // Go type: time
	    since: any;
	    base: LiveSide;
	    tuned: LiveSide;
	    diff: number;
	    ci95: number[];
	    note?: string;
	
	    static createFrom(source: any = {}) {
	        return new LiveReport(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.deployment_id = source["deployment_id"];
	        this.since = this.convertValues(source["since"], null);
	        this.base = this.convertValues(source["base"], LiveSide);
	        this.tuned = this.convertValues(source["tuned"], LiveSide);
	        this.diff = source["diff"];
	        this.ci95 = source["ci95"];
	        this.note = source["note"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class Options {
	    target: string;
	    source: string;
	    mode: string;
	    split: number;
	    model_name: string;
	    credential: string;
	    job_id: number;
	    min_replicas: number;
	    max_replicas: number;
	    capacity: number;
	
	    static createFrom(source: any = {}) {
	        return new Options(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.target = source["target"];
	        this.source = source["source"];
	        this.mode = source["mode"];
	        this.split = source["split"];
	        this.model_name = source["model_name"];
	        this.credential = source["credential"];
	        this.job_id = source["job_id"];
	        this.min_replicas = source["min_replicas"];
	        this.max_replicas = source["max_replicas"];
	        this.capacity = source["capacity"];
	    }
	}
	export class TargetInfo {
	    name: string;
	    kind: string;
	    modes: string[];
	    note: string;
	
	    static createFrom(source: any = {}) {
	        return new TargetInfo(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.kind = source["kind"];
	        this.modes = source["modes"];
	        this.note = source["note"];
	    }
	}
	export class Overview {
	    job_id: number;
	    tuned_model: string;
	    base_model: string;
	    benchmark?: Report;
	    current?: Deployment;
	    targets: TargetInfo[];
	    trainer: string;
	    serving?: Deployment;
	
	    static createFrom(source: any = {}) {
	        return new Overview(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.job_id = source["job_id"];
	        this.tuned_model = source["tuned_model"];
	        this.base_model = source["base_model"];
	        this.benchmark = this.convertValues(source["benchmark"], Report);
	        this.current = this.convertValues(source["current"], Deployment);
	        this.targets = this.convertValues(source["targets"], TargetInfo);
	        this.trainer = source["trainer"];
	        this.serving = this.convertValues(source["serving"], Deployment);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Plan {
	    target: string;
	    source: string;
	    mode: string;
	    model_name: string;
	    base_model: string;
	    tuned_model: string;
	    split: number;
	    supported: boolean;
	    reason?: string;
	    summary: string;
	    steps: string[];
	    snippet: string;
	
	    static createFrom(source: any = {}) {
	        return new Plan(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.target = source["target"];
	        this.source = source["source"];
	        this.mode = source["mode"];
	        this.model_name = source["model_name"];
	        this.base_model = source["base_model"];
	        this.tuned_model = source["tuned_model"];
	        this.split = source["split"];
	        this.supported = source["supported"];
	        this.reason = source["reason"];
	        this.summary = source["summary"];
	        this.steps = source["steps"];
	        this.snippet = source["snippet"];
	    }
	}
	export class PlaygroundInput {
	    prompt: string;
	    system: string;
	    record_id: number;
	    temperature?: number;
	    max_tokens: number;
	    grade: boolean;
	    job_id: number;
	
	    static createFrom(source: any = {}) {
	        return new PlaygroundInput(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.prompt = source["prompt"];
	        this.system = source["system"];
	        this.record_id = source["record_id"];
	        this.temperature = source["temperature"];
	        this.max_tokens = source["max_tokens"];
	        this.grade = source["grade"];
	        this.job_id = source["job_id"];
	    }
	}
	export class PlaygroundResult {
	    record_id?: number;
	    messages: record.Message[];
	    tools?: number[];
	    base: Answer;
	    tuned: Answer;
	
	    static createFrom(source: any = {}) {
	        return new PlaygroundResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.record_id = source["record_id"];
	        this.messages = this.convertValues(source["messages"], record.Message);
	        this.tools = source["tools"];
	        this.base = this.convertValues(source["base"], Answer);
	        this.tuned = this.convertValues(source["tuned"], Answer);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	
	

}

export namespace dryrun {
	
	export class Answering {
	    provider: string;
	    model: string;
	    target: train.Target;
	    for_gate: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Answering(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.provider = source["provider"];
	        this.model = source["model"];
	        this.target = this.convertValues(source["target"], train.Target);
	        this.for_gate = source["for_gate"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class TopicDelta {
	    a?: TopicStats;
	    b?: TopicStats;
	    delta: number;
	
	    static createFrom(source: any = {}) {
	        return new TopicDelta(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.a = this.convertValues(source["a"], TopicStats);
	        this.b = this.convertValues(source["b"], TopicStats);
	        this.delta = source["delta"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Tokens {
	    prompt: number;
	    completion: number;
	
	    static createFrom(source: any = {}) {
	        return new Tokens(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.prompt = source["prompt"];
	        this.completion = source["completion"];
	    }
	}
	export class SampleScore {
	    position: number;
	    record_id: number;
	    topic: string;
	    generated: boolean;
	    score: number;
	    errors?: string[];
	
	    static createFrom(source: any = {}) {
	        return new SampleScore(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.position = source["position"];
	        this.record_id = source["record_id"];
	        this.topic = source["topic"];
	        this.generated = source["generated"];
	        this.score = source["score"];
	        this.errors = source["errors"];
	    }
	}
	export class Group {
	    mean: number;
	    count: number;
	
	    static createFrom(source: any = {}) {
	        return new Group(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.mean = source["mean"];
	        this.count = source["count"];
	    }
	}
	export class Finding {
	    kind: string;
	    title: string;
	    evidence: string;
	    next: string;
	
	    static createFrom(source: any = {}) {
	        return new Finding(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.kind = source["kind"];
	        this.title = source["title"];
	        this.evidence = source["evidence"];
	        this.next = source["next"];
	    }
	}
	export class TopicStats {
	    mean: number;
	    std: number;
	    count: number;
	
	    static createFrom(source: any = {}) {
	        return new TopicStats(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.mean = source["mean"];
	        this.std = source["std"];
	        this.count = source["count"];
	    }
	}
	export class Report {
	    id: number;
	    n: number;
	    mean: number;
	    std: number;
	    median: number;
	    p10: number;
	    p25: number;
	    p75: number;
	    p90: number;
	    share_positive: number;
	    share_perfect: number;
	    histogram: number[];
	    per_topic: Record<string, TopicStats>;
	    verdict: string;
	    reasons: string[];
	    diagnosis: Finding[];
	    errors: number;
	    grader_version: string;
	    model: string;
	    dataset_id: number;
	    state: string;
	    graded: number;
	    total: number;
	    responses: string;
	    regrade_of: number;
	    seed: number;
	    components: Record<string, number>;
	    real: Group;
	    generated: Group;
	    highest: SampleScore[];
	    lowest: SampleScore[];
	    middle: SampleScore[];
	    error_samples: SampleScore[];
	    tokens: Tokens;
	    stale: boolean;
	    stale_reason?: string;
	    records_changed: boolean;
	    // Go type: time
	    created_at: any;
	    // Go type: time
	    finished_at: any;
	
	    static createFrom(source: any = {}) {
	        return new Report(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.n = source["n"];
	        this.mean = source["mean"];
	        this.std = source["std"];
	        this.median = source["median"];
	        this.p10 = source["p10"];
	        this.p25 = source["p25"];
	        this.p75 = source["p75"];
	        this.p90 = source["p90"];
	        this.share_positive = source["share_positive"];
	        this.share_perfect = source["share_perfect"];
	        this.histogram = source["histogram"];
	        this.per_topic = this.convertValues(source["per_topic"], TopicStats, true);
	        this.verdict = source["verdict"];
	        this.reasons = source["reasons"];
	        this.diagnosis = this.convertValues(source["diagnosis"], Finding);
	        this.errors = source["errors"];
	        this.grader_version = source["grader_version"];
	        this.model = source["model"];
	        this.dataset_id = source["dataset_id"];
	        this.state = source["state"];
	        this.graded = source["graded"];
	        this.total = source["total"];
	        this.responses = source["responses"];
	        this.regrade_of = source["regrade_of"];
	        this.seed = source["seed"];
	        this.components = source["components"];
	        this.real = this.convertValues(source["real"], Group);
	        this.generated = this.convertValues(source["generated"], Group);
	        this.highest = this.convertValues(source["highest"], SampleScore);
	        this.lowest = this.convertValues(source["lowest"], SampleScore);
	        this.middle = this.convertValues(source["middle"], SampleScore);
	        this.error_samples = this.convertValues(source["error_samples"], SampleScore);
	        this.tokens = this.convertValues(source["tokens"], Tokens);
	        this.stale = source["stale"];
	        this.stale_reason = source["stale_reason"];
	        this.records_changed = source["records_changed"];
	        this.created_at = this.convertValues(source["created_at"], null);
	        this.finished_at = this.convertValues(source["finished_at"], null);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Comparison {
	    a: Report;
	    b: Report;
	    mean_delta: number;
	    share_positive_delta: number;
	    std_delta: number;
	    per_topic: Record<string, TopicDelta>;
	    same_answers: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Comparison(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.a = this.convertValues(source["a"], Report);
	        this.b = this.convertValues(source["b"], Report);
	        this.mean_delta = source["mean_delta"];
	        this.share_positive_delta = source["share_positive_delta"];
	        this.std_delta = source["std_delta"];
	        this.per_topic = this.convertValues(source["per_topic"], TopicDelta, true);
	        this.same_answers = source["same_answers"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	
	export class Preview {
	    sample_size: number;
	    valid: number;
	    responses: string;
	    provider: string;
	    model: string;
	    concurrency: number;
	    to_ask: number;
	    resumes: number;
	    finished: number;
	    prompt_tokens: number;
	    completion_tokens: number;
	    completion_basis: string;
	    cost?: number;
	    judge_calls: number;
	    seconds: number;
	    latency_basis: string;
	    grader_version: string;
	    notes: string[];
	    target: train.Target;
	    for_gate: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Preview(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.sample_size = source["sample_size"];
	        this.valid = source["valid"];
	        this.responses = source["responses"];
	        this.provider = source["provider"];
	        this.model = source["model"];
	        this.concurrency = source["concurrency"];
	        this.to_ask = source["to_ask"];
	        this.resumes = source["resumes"];
	        this.finished = source["finished"];
	        this.prompt_tokens = source["prompt_tokens"];
	        this.completion_tokens = source["completion_tokens"];
	        this.completion_basis = source["completion_basis"];
	        this.cost = source["cost"];
	        this.judge_calls = source["judge_calls"];
	        this.seconds = source["seconds"];
	        this.latency_basis = source["latency_basis"];
	        this.grader_version = source["grader_version"];
	        this.notes = source["notes"];
	        this.target = this.convertValues(source["target"], train.Target);
	        this.for_gate = source["for_gate"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class Run {
	    id: number;
	    dataset_id: number;
	    state: string;
	    verdict: string;
	    grader_version: string;
	    model: string;
	    responses: string;
	    regrade_of: number;
	    n: number;
	    mean: number;
	    share_positive: number;
	    std: number;
	    errors: number;
	    stale: boolean;
	    stale_reason?: string;
	    records_changed: boolean;
	    message: string;
	    // Go type: time
	    created_at: any;
	    // Go type: time
	    finished_at: any;
	
	    static createFrom(source: any = {}) {
	        return new Run(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.dataset_id = source["dataset_id"];
	        this.state = source["state"];
	        this.verdict = source["verdict"];
	        this.grader_version = source["grader_version"];
	        this.model = source["model"];
	        this.responses = source["responses"];
	        this.regrade_of = source["regrade_of"];
	        this.n = source["n"];
	        this.mean = source["mean"];
	        this.share_positive = source["share_positive"];
	        this.std = source["std"];
	        this.errors = source["errors"];
	        this.stale = source["stale"];
	        this.stale_reason = source["stale_reason"];
	        this.records_changed = source["records_changed"];
	        this.message = source["message"];
	        this.created_at = this.convertValues(source["created_at"], null);
	        this.finished_at = this.convertValues(source["finished_at"], null);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Sample {
	    position: number;
	    record_id: number;
	    topic: string;
	    generated: boolean;
	    score: number;
	    errors?: string[];
	    answer?: record.Message;
	    graded: boolean;
	    components: Record<string, number>;
	    reasoning: Record<string, string>;
	    latency_ms: number;
	    tokens: Tokens;
	
	    static createFrom(source: any = {}) {
	        return new Sample(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.position = source["position"];
	        this.record_id = source["record_id"];
	        this.topic = source["topic"];
	        this.generated = source["generated"];
	        this.score = source["score"];
	        this.errors = source["errors"];
	        this.answer = this.convertValues(source["answer"], record.Message);
	        this.graded = source["graded"];
	        this.components = source["components"];
	        this.reasoning = source["reasoning"];
	        this.latency_ms = source["latency_ms"];
	        this.tokens = this.convertValues(source["tokens"], Tokens);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	
	

}

export namespace gateway {
	
	export class Probe {
	    source: string;
	    ok: boolean;
	    traces: number;
	    message: string;
	
	    static createFrom(source: any = {}) {
	        return new Probe(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.source = source["source"];
	        this.ok = source["ok"];
	        this.traces = source["traces"];
	        this.message = source["message"];
	    }
	}

}

export namespace grader {
	
	export class Component {
	    name: string;
	    kind: string;
	    weight: number;
	    prompt?: string;
	    schema?: number[];
	    model?: string;
	    temperature?: number;
	    max_tokens?: number;
	    source?: string;
	    input?: string;
	    reference?: string;
	    operation?: string;
	    metric?: string;
	    reference_field?: string;
	
	    static createFrom(source: any = {}) {
	        return new Component(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.kind = source["kind"];
	        this.weight = source["weight"];
	        this.prompt = source["prompt"];
	        this.schema = source["schema"];
	        this.model = source["model"];
	        this.temperature = source["temperature"];
	        this.max_tokens = source["max_tokens"];
	        this.source = source["source"];
	        this.input = source["input"];
	        this.reference = source["reference"];
	        this.operation = source["operation"];
	        this.metric = source["metric"];
	        this.reference_field = source["reference_field"];
	    }
	}
	export class RemoteCheck {
	    checked: boolean;
	    provider: string;
	    azure: boolean;
	    message: string;
	
	    static createFrom(source: any = {}) {
	        return new RemoteCheck(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.checked = source["checked"];
	        this.provider = source["provider"];
	        this.azure = source["azure"];
	        this.message = source["message"];
	    }
	}
	export class ExportResult {
	    trainer: string;
	    version: string;
	    files: string[];
	    remote_check?: RemoteCheck;
	
	    static createFrom(source: any = {}) {
	        return new ExportResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.trainer = source["trainer"];
	        this.version = source["version"];
	        this.files = source["files"];
	        this.remote_check = this.convertValues(source["remote_check"], RemoteCheck);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Grader {
	    components: Component[];
	
	    static createFrom(source: any = {}) {
	        return new Grader(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.components = this.convertValues(source["components"], Component);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Preset {
	    id: string;
	    name: string;
	    description: string;
	    components: Component[];
	
	    static createFrom(source: any = {}) {
	        return new Preset(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.description = source["description"];
	        this.components = this.convertValues(source["components"], Component);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Problem {
	    component: number;
	    message: string;
	
	    static createFrom(source: any = {}) {
	        return new Problem(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.component = source["component"];
	        this.message = source["message"];
	    }
	}
	
	export class Result {
	    score: number;
	    components: Record<string, number>;
	    reasoning?: Record<string, string>;
	    errors?: string[];
	
	    static createFrom(source: any = {}) {
	        return new Result(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.score = source["score"];
	        this.components = source["components"];
	        this.reasoning = source["reasoning"];
	        this.errors = source["errors"];
	    }
	}
	export class SampleResult {
	    record_id: number;
	    score: number;
	    components: Record<string, number>;
	    response: string;
	    reasoning: string;
	    errors: string[];
	    source: string;
	    reasoning_by?: Record<string, string>;
	    derived_fields?: string[];
	    derived_summary?: string[];
	
	    static createFrom(source: any = {}) {
	        return new SampleResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.record_id = source["record_id"];
	        this.score = source["score"];
	        this.components = source["components"];
	        this.response = source["response"];
	        this.reasoning = source["reasoning"];
	        this.errors = source["errors"];
	        this.source = source["source"];
	        this.reasoning_by = source["reasoning_by"];
	        this.derived_fields = source["derived_fields"];
	        this.derived_summary = source["derived_summary"];
	    }
	}
	export class TestResult {
	    version: string;
	    samples: SampleResult[];
	    mean: number;
	
	    static createFrom(source: any = {}) {
	        return new TestResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.version = source["version"];
	        this.samples = this.convertValues(source["samples"], SampleResult);
	        this.mean = source["mean"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace health {
	
	export class CodeCount {
	    code: string;
	    count: number;
	    lines: number[];
	    examples: number[];
	    title: string;
	    advice: string;
	
	    static createFrom(source: any = {}) {
	        return new CodeCount(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.code = source["code"];
	        this.count = source["count"];
	        this.lines = source["lines"];
	        this.examples = source["examples"];
	        this.title = source["title"];
	        this.advice = source["advice"];
	    }
	}
	export class Report {
	    total: number;
	    valid: number;
	    invalid: number;
	    invalid_percent: number;
	    by_code: Record<string, number>;
	    codes: CodeCount[];
	    advice: string[];
	    same_prompt: store.PromptGroup[];
	    same_prompt_skipped: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Report(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.total = source["total"];
	        this.valid = source["valid"];
	        this.invalid = source["invalid"];
	        this.invalid_percent = source["invalid_percent"];
	        this.by_code = source["by_code"];
	        this.codes = this.convertValues(source["codes"], CodeCount);
	        this.advice = source["advice"];
	        this.same_prompt = this.convertValues(source["same_prompt"], store.PromptGroup);
	        this.same_prompt_skipped = source["same_prompt_skipped"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace ingest {
	
	export class AdaptOptions {
	    template?: string;
	    map?: Record<string, string>;
	
	    static createFrom(source: any = {}) {
	        return new AdaptOptions(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.template = source["template"];
	        this.map = source["map"];
	    }
	}
	export class AdapterInfo {
	    name: string;
	    label: string;
	
	    static createFrom(source: any = {}) {
	        return new AdapterInfo(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.label = source["label"];
	    }
	}
	export class Detected {
	    format: string;
	    encoding: string;
	    gzip: boolean;
	    adapter: string;
	    label: string;
	    columns?: string[];
	    mapping?: Record<string, string>;
	
	    static createFrom(source: any = {}) {
	        return new Detected(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.format = source["format"];
	        this.encoding = source["encoding"];
	        this.gzip = source["gzip"];
	        this.adapter = source["adapter"];
	        this.label = source["label"];
	        this.columns = source["columns"];
	        this.mapping = source["mapping"];
	    }
	}
	export class Options {
	    mode: string;
	    source: string;
	    format: string;
	    adapt: AdaptOptions;
	
	    static createFrom(source: any = {}) {
	        return new Options(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.mode = source["mode"];
	        this.source = source["source"];
	        this.format = source["format"];
	        this.adapt = this.convertValues(source["adapt"], AdaptOptions);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class PreviewRecord {
	    line: number;
	    code: string;
	    detail: string;
	    topic?: string;
	    messages?: number[];
	    tools?: number[];
	    output?: number[];
	    fields?: number[];
	    raw: string;
	
	    static createFrom(source: any = {}) {
	        return new PreviewRecord(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.line = source["line"];
	        this.code = source["code"];
	        this.detail = source["detail"];
	        this.topic = source["topic"];
	        this.messages = source["messages"];
	        this.tools = source["tools"];
	        this.output = source["output"];
	        this.fields = source["fields"];
	        this.raw = source["raw"];
	    }
	}
	export class Preview {
	    detected: Detected;
	    items: number;
	    total: number;
	    valid: number;
	    invalid: number;
	    by_code: Record<string, number>;
	    skipped: number;
	    topics: string[];
	    records: PreviewRecord[];
	    adapters: AdapterInfo[];
	    targets: string[];
	    options: AdaptOptions;
	    formats: string[];
	    settings: record.Settings;
	
	    static createFrom(source: any = {}) {
	        return new Preview(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.detected = this.convertValues(source["detected"], Detected);
	        this.items = source["items"];
	        this.total = source["total"];
	        this.valid = source["valid"];
	        this.invalid = source["invalid"];
	        this.by_code = source["by_code"];
	        this.skipped = source["skipped"];
	        this.topics = source["topics"];
	        this.records = this.convertValues(source["records"], PreviewRecord);
	        this.adapters = this.convertValues(source["adapters"], AdapterInfo);
	        this.targets = source["targets"];
	        this.options = this.convertValues(source["options"], AdaptOptions);
	        this.formats = source["formats"];
	        this.settings = this.convertValues(source["settings"], record.Settings);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace jobs {
	
	export class Progress {
	    job_id: number;
	    dataset_id: number;
	    kind: string;
	    state: string;
	    done: number;
	    total: number;
	    rate: number;
	    eta_seconds: number;
	    elapsed_seconds: number;
	    message: string;
	    error?: string;
	    result?: any;
	
	    static createFrom(source: any = {}) {
	        return new Progress(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.job_id = source["job_id"];
	        this.dataset_id = source["dataset_id"];
	        this.kind = source["kind"];
	        this.state = source["state"];
	        this.done = source["done"];
	        this.total = source["total"];
	        this.rate = source["rate"];
	        this.eta_seconds = source["eta_seconds"];
	        this.elapsed_seconds = source["elapsed_seconds"];
	        this.message = source["message"];
	        this.error = source["error"];
	        this.result = source["result"];
	    }
	}

}

export namespace pipeline {
	
	export class GateIssue {
	    reason: string;
	    text: string;
	    next: string;
	    fix: string;
	    run_id: number;
	    model: string;
	
	    static createFrom(source: any = {}) {
	        return new GateIssue(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.reason = source["reason"];
	        this.text = source["text"];
	        this.next = source["next"];
	        this.fix = source["fix"];
	        this.run_id = source["run_id"];
	        this.model = source["model"];
	    }
	}
	export class Step {
	    number: number;
	    key: string;
	    name: string;
	    status: string;
	    figure: string;
	    needs: string;
	    auto_runs: boolean;
	    message: string;
	    score?: number;
	    action?: string;
	
	    static createFrom(source: any = {}) {
	        return new Step(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.number = source["number"];
	        this.key = source["key"];
	        this.name = source["name"];
	        this.status = source["status"];
	        this.figure = source["figure"];
	        this.needs = source["needs"];
	        this.auto_runs = source["auto_runs"];
	        this.message = source["message"];
	        this.score = source["score"];
	        this.action = source["action"];
	    }
	}
	export class Summary {
	    id: number;
	    name: string;
	    objective: string;
	    settings: record.Settings;
	    // Go type: time
	    created_at: any;
	    // Go type: time
	    last_activity: any;
	    total: number;
	    valid: number;
	    invalid: number;
	    topics: number;
	    balance?: number;
	    steps: Step[];
	    status: string;
	
	    static createFrom(source: any = {}) {
	        return new Summary(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.objective = source["objective"];
	        this.settings = this.convertValues(source["settings"], record.Settings);
	        this.created_at = this.convertValues(source["created_at"], null);
	        this.last_activity = this.convertValues(source["last_activity"], null);
	        this.total = source["total"];
	        this.valid = source["valid"];
	        this.invalid = source["invalid"];
	        this.topics = source["topics"];
	        this.balance = source["balance"];
	        this.steps = this.convertValues(source["steps"], Step);
	        this.status = source["status"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class TrainGate {
	    ready: boolean;
	    reasons: string[];
	    warnings: string[];
	    issues: GateIssue[];
	    needs_override: boolean;
	    override_reason: string;
	    grader_version: string;
	    target: train.Target;
	    dry_run: dryrun.Run;
	    dry_run_id: number;
	    dry_run_verdict: string;
	
	    static createFrom(source: any = {}) {
	        return new TrainGate(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.ready = source["ready"];
	        this.reasons = source["reasons"];
	        this.warnings = source["warnings"];
	        this.issues = this.convertValues(source["issues"], GateIssue);
	        this.needs_override = source["needs_override"];
	        this.override_reason = source["override_reason"];
	        this.grader_version = source["grader_version"];
	        this.target = this.convertValues(source["target"], train.Target);
	        this.dry_run = this.convertValues(source["dry_run"], dryrun.Run);
	        this.dry_run_id = source["dry_run_id"];
	        this.dry_run_verdict = source["dry_run_verdict"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace record {
	
	export class Settings {
	    min_user_chars: number;
	    max_tokens: number;
	
	    static createFrom(source: any = {}) {
	        return new Settings(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.min_user_chars = source["min_user_chars"];
	        this.max_tokens = source["max_tokens"];
	    }
	}
	export class Dataset {
	    id: number;
	    name: string;
	    objective: string;
	    settings: Settings;
	    // Go type: time
	    created_at: any;
	    // Go type: time
	    last_activity: any;
	
	    static createFrom(source: any = {}) {
	        return new Dataset(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.objective = source["objective"];
	        this.settings = this.convertValues(source["settings"], Settings);
	        this.created_at = this.convertValues(source["created_at"], null);
	        this.last_activity = this.convertValues(source["last_activity"], null);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class FunctionCall {
	    name: string;
	    arguments: string;
	
	    static createFrom(source: any = {}) {
	        return new FunctionCall(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.arguments = source["arguments"];
	    }
	}
	export class ToolCall {
	    id: string;
	    type: string;
	    function: FunctionCall;
	
	    static createFrom(source: any = {}) {
	        return new ToolCall(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.type = source["type"];
	        this.function = this.convertValues(source["function"], FunctionCall);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Message {
	    role: string;
	    content?: number[];
	    name?: string;
	    tool_calls?: ToolCall[];
	    tool_call_id?: string;
	
	    static createFrom(source: any = {}) {
	        return new Message(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.role = source["role"];
	        this.content = source["content"];
	        this.name = source["name"];
	        this.tool_calls = this.convertValues(source["tool_calls"], ToolCall);
	        this.tool_call_id = source["tool_call_id"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Record {
	    id: number;
	    dataset_id: number;
	    line: number;
	    raw: string;
	    shape: string;
	    messages?: number[];
	    tools?: number[];
	    output?: number[];
	    fields?: number[];
	    metadata?: number[];
	    source: string;
	    trace_id: string;
	    hash: string;
	    code: string;
	    detail: string;
	    topic_id: number;
	    topic: string;
	    confidence: number;
	    method: string;
	    generated: boolean;
	    source_record_id?: number;
	    strategy?: string;
	    // Go type: time
	    created_at: any;
	    // Go type: time
	    updated_at: any;
	
	    static createFrom(source: any = {}) {
	        return new Record(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.dataset_id = source["dataset_id"];
	        this.line = source["line"];
	        this.raw = source["raw"];
	        this.shape = source["shape"];
	        this.messages = source["messages"];
	        this.tools = source["tools"];
	        this.output = source["output"];
	        this.fields = source["fields"];
	        this.metadata = source["metadata"];
	        this.source = source["source"];
	        this.trace_id = source["trace_id"];
	        this.hash = source["hash"];
	        this.code = source["code"];
	        this.detail = source["detail"];
	        this.topic_id = source["topic_id"];
	        this.topic = source["topic"];
	        this.confidence = source["confidence"];
	        this.method = source["method"];
	        this.generated = source["generated"];
	        this.source_record_id = source["source_record_id"];
	        this.strategy = source["strategy"];
	        this.created_at = this.convertValues(source["created_at"], null);
	        this.updated_at = this.convertValues(source["updated_at"], null);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	
	export class Topic {
	    id: number;
	    dataset_id: number;
	    parent_id: number;
	    name: string;
	    description: string;
	    keywords: string[];
	    target: number;
	    position: number;
	
	    static createFrom(source: any = {}) {
	        return new Topic(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.dataset_id = source["dataset_id"];
	        this.parent_id = source["parent_id"];
	        this.name = source["name"];
	        this.description = source["description"];
	        this.keywords = source["keywords"];
	        this.target = source["target"];
	        this.position = source["position"];
	    }
	}

}

export namespace store {
	
	export class Candidate {
	    id: number;
	    dataset_id: number;
	    batch_id: number;
	    topic_id: number;
	    topic: string;
	    source_record_id: number;
	    strategy: string;
	    text: string;
	    messages: number[];
	    tools?: number[];
	    status: string;
	    reason: string;
	    detail: string;
	    record_id?: number;
	    // Go type: time
	    created_at: any;
	    // Go type: time
	    updated_at: any;
	
	    static createFrom(source: any = {}) {
	        return new Candidate(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.dataset_id = source["dataset_id"];
	        this.batch_id = source["batch_id"];
	        this.topic_id = source["topic_id"];
	        this.topic = source["topic"];
	        this.source_record_id = source["source_record_id"];
	        this.strategy = source["strategy"];
	        this.text = source["text"];
	        this.messages = source["messages"];
	        this.tools = source["tools"];
	        this.status = source["status"];
	        this.reason = source["reason"];
	        this.detail = source["detail"];
	        this.record_id = source["record_id"];
	        this.created_at = this.convertValues(source["created_at"], null);
	        this.updated_at = this.convertValues(source["updated_at"], null);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class GraderVersion {
	    dataset_id: number;
	    version: string;
	    spec: string;
	    // Go type: time
	    created_at: any;
	
	    static createFrom(source: any = {}) {
	        return new GraderVersion(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.dataset_id = source["dataset_id"];
	        this.version = source["version"];
	        this.spec = source["spec"];
	        this.created_at = this.convertValues(source["created_at"], null);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class PromptGroup {
	    records: number;
	    variants: number;
	    lines: number[];
	    ids: number[];
	
	    static createFrom(source: any = {}) {
	        return new PromptGroup(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.records = source["records"];
	        this.variants = source["variants"];
	        this.lines = source["lines"];
	        this.ids = source["ids"];
	    }
	}
	export class TopicSpec {
	    name: string;
	    description: string;
	    keywords: string[];
	    target?: number;
	    subtopics?: TopicSpec[];
	
	    static createFrom(source: any = {}) {
	        return new TopicSpec(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.description = source["description"];
	        this.keywords = source["keywords"];
	        this.target = source["target"];
	        this.subtopics = this.convertValues(source["subtopics"], TopicSpec);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace synth {
	
	export class AcceptResult {
	    accepted: number;
	    records: number[];
	    low_confidence: number;
	    rejected: number;
	    notes: string[];
	
	    static createFrom(source: any = {}) {
	        return new AcceptResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.accepted = source["accepted"];
	        this.records = source["records"];
	        this.low_confidence = source["low_confidence"];
	        this.rejected = source["rejected"];
	        this.notes = source["notes"];
	    }
	}
	export class Options {
	    gaps: boolean;
	    record_ids: number[];
	    topic: string;
	    count: number;
	    regenerate: number[];
	    regenerate_all: boolean;
	    strategy: string;
	    variations: number;
	    temperature: number;
	    max_share: number;
	    preserve_intent: boolean;
	    accept_passing: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Options(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.gaps = source["gaps"];
	        this.record_ids = source["record_ids"];
	        this.topic = source["topic"];
	        this.count = source["count"];
	        this.regenerate = source["regenerate"];
	        this.regenerate_all = source["regenerate_all"];
	        this.strategy = source["strategy"];
	        this.variations = source["variations"];
	        this.temperature = source["temperature"];
	        this.max_share = source["max_share"];
	        this.preserve_intent = source["preserve_intent"];
	        this.accept_passing = source["accept_passing"];
	    }
	}
	export class Row {
	    topic_id: number;
	    topic: string;
	    count: number;
	    real: number;
	    generated: number;
	    percent_before: number;
	    percent_after: number;
	    target: number;
	    strategies: string[];
	
	    static createFrom(source: any = {}) {
	        return new Row(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.topic_id = source["topic_id"];
	        this.topic = source["topic"];
	        this.count = source["count"];
	        this.real = source["real"];
	        this.generated = source["generated"];
	        this.percent_before = source["percent_before"];
	        this.percent_after = source["percent_after"];
	        this.target = source["target"];
	        this.strategies = source["strategies"];
	    }
	}
	export class Preview {
	    entry: string;
	    rows: Row[];
	    total: number;
	    balance_before: number;
	    balance_after: number;
	    rating_before: string;
	    rating_after: string;
	    synthetic_share_before: number;
	    synthetic_share_after: number;
	    max_share: number;
	    capped: boolean;
	    provider: string;
	    model: string;
	    requests: number;
	    prompt_tokens: number;
	    completion_tokens: number;
	    cost?: number;
	    notes: string[];
	
	    static createFrom(source: any = {}) {
	        return new Preview(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.entry = source["entry"];
	        this.rows = this.convertValues(source["rows"], Row);
	        this.total = source["total"];
	        this.balance_before = source["balance_before"];
	        this.balance_after = source["balance_after"];
	        this.rating_before = source["rating_before"];
	        this.rating_after = source["rating_after"];
	        this.synthetic_share_before = source["synthetic_share_before"];
	        this.synthetic_share_after = source["synthetic_share_after"];
	        this.max_share = source["max_share"];
	        this.capped = source["capped"];
	        this.provider = source["provider"];
	        this.model = source["model"];
	        this.requests = source["requests"];
	        this.prompt_tokens = source["prompt_tokens"];
	        this.completion_tokens = source["completion_tokens"];
	        this.cost = source["cost"];
	        this.notes = source["notes"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class StrategyInfo {
	    key: string;
	    name: string;
	    description: string;
	
	    static createFrom(source: any = {}) {
	        return new StrategyInfo(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.key = source["key"];
	        this.name = source["name"];
	        this.description = source["description"];
	    }
	}

}

export namespace topics {
	
	export class LowItem {
	    record_id: number;
	    text: string;
	    topic_id: number;
	    topic: string;
	    confidence: number;
	    method: string;
	
	    static createFrom(source: any = {}) {
	        return new LowItem(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.record_id = source["record_id"];
	        this.text = source["text"];
	        this.topic_id = source["topic_id"];
	        this.topic = source["topic"];
	        this.confidence = source["confidence"];
	        this.method = source["method"];
	    }
	}
	export class Node {
	    id: number;
	    parent_id: number;
	    name: string;
	    description: string;
	    keywords: string[];
	    target: number;
	    leaf: boolean;
	    count: number;
	    children: Node[];
	
	    static createFrom(source: any = {}) {
	        return new Node(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.parent_id = source["parent_id"];
	        this.name = source["name"];
	        this.description = source["description"];
	        this.keywords = source["keywords"];
	        this.target = source["target"];
	        this.leaf = source["leaf"];
	        this.count = source["count"];
	        this.children = this.convertValues(source["children"], Node);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Stats {
	    topics: number;
	    leaves: number;
	    valid: number;
	    categorized: number;
	    uncategorized: number;
	    low_confidence: number;
	    threshold: number;
	
	    static createFrom(source: any = {}) {
	        return new Stats(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.topics = source["topics"];
	        this.leaves = source["leaves"];
	        this.valid = source["valid"];
	        this.categorized = source["categorized"];
	        this.uncategorized = source["uncategorized"];
	        this.low_confidence = source["low_confidence"];
	        this.threshold = source["threshold"];
	    }
	}
	export class Template {
	    key: string;
	    name: string;
	    description: string;
	    topics: store.TopicSpec[];
	
	    static createFrom(source: any = {}) {
	        return new Template(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.key = source["key"];
	        this.name = source["name"];
	        this.description = source["description"];
	        this.topics = this.convertValues(source["topics"], store.TopicSpec);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace train {
	
	export class Checkpoint {
	    id: string;
	    step: number;
	    model: string;
	    metrics?: number[];
	    // Go type: time
	    created_at: any;
	
	    static createFrom(source: any = {}) {
	        return new Checkpoint(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.step = source["step"];
	        this.model = source["model"];
	        this.metrics = source["metrics"];
	        this.created_at = this.convertValues(source["created_at"], null);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class TopicSplit {
	    topic_id: number;
	    topic: string;
	    train: number;
	    validation: number;
	
	    static createFrom(source: any = {}) {
	        return new TopicSplit(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.topic_id = source["topic_id"];
	        this.topic = source["topic"];
	        this.train = source["train"];
	        this.validation = source["validation"];
	    }
	}
	export class Metric {
	    step: number;
	    total_steps?: number;
	    train_reward_mean?: number;
	    valid_reward_mean?: number;
	
	    static createFrom(source: any = {}) {
	        return new Metric(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.step = source["step"];
	        this.total_steps = source["total_steps"];
	        this.train_reward_mean = source["train_reward_mean"];
	        this.valid_reward_mean = source["valid_reward_mean"];
	    }
	}
	export class Hyperparameters {
	    n_epochs: number;
	    batch_size: number;
	    learning_rate_multiplier: number;
	    reasoning_effort: string;
	    compute_multiplier: number;
	    eval_interval: number;
	    eval_samples: number;
	    learning_rate: number;
	    num_generations: number;
	    max_completion_length: number;
	    lora_r: number;
	
	    static createFrom(source: any = {}) {
	        return new Hyperparameters(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.n_epochs = source["n_epochs"];
	        this.batch_size = source["batch_size"];
	        this.learning_rate_multiplier = source["learning_rate_multiplier"];
	        this.reasoning_effort = source["reasoning_effort"];
	        this.compute_multiplier = source["compute_multiplier"];
	        this.eval_interval = source["eval_interval"];
	        this.eval_samples = source["eval_samples"];
	        this.learning_rate = source["learning_rate"];
	        this.num_generations = source["num_generations"];
	        this.max_completion_length = source["max_completion_length"];
	        this.lora_r = source["lora_r"];
	    }
	}
	export class Options {
	    trainer: string;
	    provider?: string;
	    model?: string;
	    split: number;
	    no_stratify: boolean;
	    include_generated: boolean;
	    seed: number;
	    suffix?: string;
	    override_nogo: boolean;
	    hyperparameters: Hyperparameters;
	    out_dir?: string;
	    no_zip?: boolean;
	    response_format?: number[];
	
	    static createFrom(source: any = {}) {
	        return new Options(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.trainer = source["trainer"];
	        this.provider = source["provider"];
	        this.model = source["model"];
	        this.split = source["split"];
	        this.no_stratify = source["no_stratify"];
	        this.include_generated = source["include_generated"];
	        this.seed = source["seed"];
	        this.suffix = source["suffix"];
	        this.override_nogo = source["override_nogo"];
	        this.hyperparameters = this.convertValues(source["hyperparameters"], Hyperparameters);
	        this.out_dir = source["out_dir"];
	        this.no_zip = source["no_zip"];
	        this.response_format = source["response_format"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Detail {
	    job: number;
	    dataset_id: number;
	    trainer: string;
	    provider: string;
	    base_model: string;
	    status: string;
	    final: boolean;
	    remote_status?: string;
	    remote_id?: string;
	    fine_tuned_model: string;
	    attached: boolean;
	    error?: string;
	    grader_version: string;
	    dry_run_id: number;
	    dry_run_verdict: string;
	    override_nogo: boolean;
	    override_reason: string;
	    split_seed: number;
	    train_count: number;
	    validation_count: number;
	    train_file?: string;
	    validation_file?: string;
	    out_dir?: string;
	    trained_tokens?: number;
	    notes: string[];
	    options: Options;
	    // Go type: time
	    created_at: any;
	    // Go type: time
	    started_at: any;
	    // Go type: time
	    finished_at: any;
	    elapsed_seconds: number;
	    metrics: Metric[];
	    checkpoints: Checkpoint[];
	    split: TopicSplit[];
	
	    static createFrom(source: any = {}) {
	        return new Detail(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.job = source["job"];
	        this.dataset_id = source["dataset_id"];
	        this.trainer = source["trainer"];
	        this.provider = source["provider"];
	        this.base_model = source["base_model"];
	        this.status = source["status"];
	        this.final = source["final"];
	        this.remote_status = source["remote_status"];
	        this.remote_id = source["remote_id"];
	        this.fine_tuned_model = source["fine_tuned_model"];
	        this.attached = source["attached"];
	        this.error = source["error"];
	        this.grader_version = source["grader_version"];
	        this.dry_run_id = source["dry_run_id"];
	        this.dry_run_verdict = source["dry_run_verdict"];
	        this.override_nogo = source["override_nogo"];
	        this.override_reason = source["override_reason"];
	        this.split_seed = source["split_seed"];
	        this.train_count = source["train_count"];
	        this.validation_count = source["validation_count"];
	        this.train_file = source["train_file"];
	        this.validation_file = source["validation_file"];
	        this.out_dir = source["out_dir"];
	        this.trained_tokens = source["trained_tokens"];
	        this.notes = source["notes"];
	        this.options = this.convertValues(source["options"], Options);
	        this.created_at = this.convertValues(source["created_at"], null);
	        this.started_at = this.convertValues(source["started_at"], null);
	        this.finished_at = this.convertValues(source["finished_at"], null);
	        this.elapsed_seconds = source["elapsed_seconds"];
	        this.metrics = this.convertValues(source["metrics"], Metric);
	        this.checkpoints = this.convertValues(source["checkpoints"], Checkpoint);
	        this.split = this.convertValues(source["split"], TopicSplit);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Event {
	    seq: number;
	    id: string;
	    // Go type: time
	    created_at: any;
	    level: string;
	    type: string;
	    message: string;
	    data?: number[];
	
	    static createFrom(source: any = {}) {
	        return new Event(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.seq = source["seq"];
	        this.id = source["id"];
	        this.created_at = this.convertValues(source["created_at"], null);
	        this.level = source["level"];
	        this.type = source["type"];
	        this.message = source["message"];
	        this.data = source["data"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class Info {
	    name: string;
	    label: string;
	    remote: boolean;
	    provider_kinds: string[];
	    default_model: string;
	    models: string[];
	    max_train: number;
	    max_validation: number;
	    can_pause: boolean;
	    note: string;
	
	    static createFrom(source: any = {}) {
	        return new Info(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.label = source["label"];
	        this.remote = source["remote"];
	        this.provider_kinds = source["provider_kinds"];
	        this.default_model = source["default_model"];
	        this.models = source["models"];
	        this.max_train = source["max_train"];
	        this.max_validation = source["max_validation"];
	        this.can_pause = source["can_pause"];
	        this.note = source["note"];
	    }
	}
	export class Job {
	    job: number;
	    dataset_id: number;
	    trainer: string;
	    provider: string;
	    base_model: string;
	    status: string;
	    final: boolean;
	    remote_status?: string;
	    remote_id?: string;
	    fine_tuned_model: string;
	    attached: boolean;
	    error?: string;
	    grader_version: string;
	    dry_run_id: number;
	    dry_run_verdict: string;
	    override_nogo: boolean;
	    override_reason: string;
	    split_seed: number;
	    train_count: number;
	    validation_count: number;
	    train_file?: string;
	    validation_file?: string;
	    out_dir?: string;
	    trained_tokens?: number;
	    notes: string[];
	    options: Options;
	    // Go type: time
	    created_at: any;
	    // Go type: time
	    started_at: any;
	    // Go type: time
	    finished_at: any;
	    elapsed_seconds: number;
	
	    static createFrom(source: any = {}) {
	        return new Job(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.job = source["job"];
	        this.dataset_id = source["dataset_id"];
	        this.trainer = source["trainer"];
	        this.provider = source["provider"];
	        this.base_model = source["base_model"];
	        this.status = source["status"];
	        this.final = source["final"];
	        this.remote_status = source["remote_status"];
	        this.remote_id = source["remote_id"];
	        this.fine_tuned_model = source["fine_tuned_model"];
	        this.attached = source["attached"];
	        this.error = source["error"];
	        this.grader_version = source["grader_version"];
	        this.dry_run_id = source["dry_run_id"];
	        this.dry_run_verdict = source["dry_run_verdict"];
	        this.override_nogo = source["override_nogo"];
	        this.override_reason = source["override_reason"];
	        this.split_seed = source["split_seed"];
	        this.train_count = source["train_count"];
	        this.validation_count = source["validation_count"];
	        this.train_file = source["train_file"];
	        this.validation_file = source["validation_file"];
	        this.out_dir = source["out_dir"];
	        this.trained_tokens = source["trained_tokens"];
	        this.notes = source["notes"];
	        this.options = this.convertValues(source["options"], Options);
	        this.created_at = this.convertValues(source["created_at"], null);
	        this.started_at = this.convertValues(source["started_at"], null);
	        this.finished_at = this.convertValues(source["finished_at"], null);
	        this.elapsed_seconds = source["elapsed_seconds"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	
	export class Preview {
	    trainer: string;
	    train: number;
	    validation: number;
	    topics: TopicSplit[];
	    prompt_tokens: number;
	    estimated: boolean;
	    notes: string[];
	    cost_note: string;
	
	    static createFrom(source: any = {}) {
	        return new Preview(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.trainer = source["trainer"];
	        this.train = source["train"];
	        this.validation = source["validation"];
	        this.topics = this.convertValues(source["topics"], TopicSplit);
	        this.prompt_tokens = source["prompt_tokens"];
	        this.estimated = source["estimated"];
	        this.notes = source["notes"];
	        this.cost_note = source["cost_note"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Target {
	    trainer: string;
	    provider: string;
	    model: string;
	
	    static createFrom(source: any = {}) {
	        return new Target(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.trainer = source["trainer"];
	        this.provider = source["provider"];
	        this.model = source["model"];
	    }
	}

}

