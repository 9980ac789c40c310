export namespace app {
	
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
	
	    static createFrom(source: any = {}) {
	        return new Kind(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.kind = source["kind"];
	        this.default_url = source["default_url"];
	        this.needs_key = source["needs_key"];
	        this.uses_api_version = source["uses_api_version"];
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
	export class TestResult {
	    ok: boolean;
	    traces: number;
	    message: string;
	
	    static createFrom(source: any = {}) {
	        return new TestResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.ok = source["ok"];
	        this.traces = source["traces"];
	        this.message = source["message"];
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
	    status: string;
	    needed: number;
	    custom: boolean;
	
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
	        this.status = source["status"];
	        this.needed = source["needed"];
	        this.custom = source["custom"];
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

export namespace topics {
	
	export class ImportResult {
	    topics: number;
	    cleared: number;
	
	    static createFrom(source: any = {}) {
	        return new ImportResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.topics = source["topics"];
	        this.cleared = source["cleared"];
	    }
	}
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

