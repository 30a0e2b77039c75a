package capture

import (
	"fmt"

	"github.com/gopacket/gopacket/pcap"
)

// loadPcap loads Npcap's wpcap.dll (no cgo: gopacket's pcap package calls
// it through the DLL's exported functions); without it nothing can be
// captured, and the error says how to install it.
func loadPcap() error {
	if err := pcap.LoadWinPCAP(); err != nil {
		return fmt.Errorf("capture: Npcap is not installed (%v): install it from https://npcap.com", err)
	}
	return nil
}
