package app

// Bindings lists every struct whose methods the frontend may call.
func Bindings(d *Deps) []any {
	return []any{
		&Datasets{d},
		&Deploy{d},
		&DryRun{d},
		&Generate{d},
		&Grader{d},
		&Jobs{d},
		&Records{d},
		&Settings{d},
		&Sources{d},
		&Topics{d},
		&Train{d},
		&Window{d},
	}
}
