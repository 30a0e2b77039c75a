package capture

// Remedy is the one line that lets ftpdiag capture on Windows: Npcap,
// whose admin-only option limits capture to an elevated prompt;
// RemedyHint says it in words, for an error.
const (
	Remedy     = "# install Npcap from https://npcap.com without \"Restrict Npcap driver's access to Administrators only\", or run ftpdiag from an Administrator prompt"
	RemedyHint = "install Npcap from https://npcap.com; if it was installed with \"Restrict Npcap driver's access to Administrators only\", run ftpdiag from an Administrator prompt or reinstall Npcap without that option"
)
