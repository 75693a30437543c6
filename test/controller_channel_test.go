package test

import (
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vtep/vtep/labs"
)

// oneHypervisor trims a lab file to its first hypervisor and its VMs.
func oneHypervisor(f *labs.File) {
	hv := f.Hypervisors[0].Name
	f.Hypervisors = f.Hypervisors[:1]
	var vms []labs.FileVM
	for _, v := range f.VMs {
		if v.Hypervisor == hv {
			vms = append(vms, v)
		}
	}
	f.VMs = vms
}

// pidRSS returns a process's resident set size in bytes.
func pidRSS(t testing.TB, pid int) int64 {
	t.Helper()
	n, err := labs.RSS(pid)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// idleConnections opens n connections to a unix socket that send nothing,
// waits until vtepd has dealt with each (sent its HELLO, or closed it) and
// returns how many it kept, with the client descriptors.
func idleConnections(t *testing.T, path string, n int) (kept int, fds []int) {
	t.Helper()
	for range n {
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		fds = append(fds, fd)
		if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
			t.Fatalf("connection %d: %v", len(fds), err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	buf := make([]byte, 8)
	for _, fd := range fds {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		var m int
		var err error = unix.EINTR
		for err == unix.EINTR {
			m, err = unix.Poll(pfd, max(int(time.Until(deadline)/time.Millisecond), 0))
		}
		if err != nil || m == 0 {
			t.Fatalf("vtepd did not answer or close an idle connection within 30s: %v", err)
		}
		if m, _, _ := unix.Recvfrom(fd, buf, unix.MSG_PEEK|unix.MSG_DONTWAIT); m > 0 {
			kept++
		}
	}
	return kept, fds
}

// fakePeer connects to vtepd's controller socket and plays HELLO and
// FEATURES_REPLY with dpid; it returns what ended the connection.
func fakePeer(t *testing.T, path string, dpid uint64) error {
	t.Helper()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	msg := func(typ uint8, xid uint32, body ...byte) []byte {
		m := []byte{4, typ, 0, 0, 0, 0, 0, 0}
		binary.BigEndian.PutUint16(m[2:], uint16(8+len(body)))
		binary.BigEndian.PutUint32(m[4:], xid)
		return append(m, body...)
	}
	read := func() ([]byte, error) {
		h := make([]byte, 8)
		if _, err := io.ReadFull(c, h); err != nil {
			return nil, err
		}
		m := make([]byte, binary.BigEndian.Uint16(h[2:]))
		copy(m, h)
		_, err := io.ReadFull(c, m[8:])
		return m, err
	}
	c.Write(msg(0, 1, 0, 1, 0, 8, 0, 0, 0, 0x10))
	for {
		m, err := read()
		if err != nil {
			return err
		}
		if m[1] == 5 { // FEATURES_REQUEST
			body := make([]byte, 24)
			binary.BigEndian.PutUint64(body, dpid)
			body[12] = 254
			c.Write(msg(6, binary.BigEndian.Uint32(m[4:]), body...))
		}
		if m[1] == 9 { // SET_CONFIG: vtepd took the fake peer as the bridge
			return fmt.Errorf("vtepd configured the fake peer as datapath %016x", dpid)
		}
	}
}

// TestControllerChannel: vtepd's controller socket is 0600; 5,000 idle
// connections leave vtepd's RSS nearly unchanged and its bridges
// connected; a fake peer with the overlay bridge's datapath ID does not
// take it over.
func TestControllerChannel(t *testing.T) {
	r := upLab(t, "../labs/figure4.yaml", oneHypervisor)
	const hv = "hv1"
	sock := filepath.Join(r.NodeDir(hv), "vtepd.sock")
	fi, err := os.Lstat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("controller socket mode %v, want 0600", fi.Mode().Perm())
	}
	pid := r.Vtepds[hv].Pid
	before := pidRSS(t, pid)
	const n = 5000
	kept, fds := idleConnections(t, sock, n)
	after := pidRSS(t, pid)
	t.Logf("vtepd RSS with %d idle connections: %.1f MiB before, %.1f MiB after (+%.1f MiB); it kept %d in handshake and closed the rest",
		n, float64(before)/(1<<20), float64(after)/(1<<20), float64(after-before)/(1<<20), kept)
	if kept != 16 {
		t.Errorf("vtepd kept %d idle connections, want openflow.max_handshakes (16)", kept)
	}
	if after-before > 16<<20 {
		t.Errorf("vtepd's RSS grew by %.1f MiB, want under 16 MiB", float64(after-before)/(1<<20))
	}
	for _, fd := range fds {
		unix.Close(fd)
	}
	if st := status(t, r, hv); !st.OverlayConnected || !st.UnderlayConnected {
		t.Fatalf("bridges disconnected: overlay %v, underlay %v", st.OverlayConnected, st.UnderlayConnected)
	}

	out, err := r.OVS[hv].Vsctl(ctxT(t, 10*time.Second), "get", "bridge", "br-int", "datapath_id")
	if err != nil {
		t.Fatal(err)
	}
	dpid, err := strconv.ParseUint(strings.Trim(strings.TrimSpace(out), `"`), 16, 64)
	if err != nil {
		t.Fatalf("datapath_id %q: %v", out, err)
	}
	// The slots the idle connections held free up as vtepd sees them
	// closed: until then the fake peer is closed before its HELLO (EOF).
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	giveUp := time.After(20 * time.Second)
	for {
		perr := fakePeer(t, sock, dpid)
		if perr != nil && strings.Contains(perr.Error(), "configured the fake peer") {
			t.Fatal(perr)
		}
		if log, _ := os.ReadFile(r.Vtepds[hv].LogFile); strings.Contains(string(log), "refusing a connection that presents the datapath ID of a live session") {
			break
		}
		select {
		case <-tick.C:
		case <-giveUp:
			t.Fatalf("the fake peer was never refused as a takeover: %v", perr)
		}
	}
	log, err := os.ReadFile(r.Vtepds[hv].LogFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "refusing a connection that presents the datapath ID of a live session") {
		t.Errorf("vtepd did not log the refused takeover; log:\n%s", log)
	}
	if st := status(t, r, hv); !st.OverlayConnected {
		t.Fatal("overlay bridge disconnected after the takeover attempt")
	}
	if strings.Contains(string(log), "closing its previous session") {
		t.Error("vtepd replaced the overlay bridge's session")
	}
}

// TestControllerChannelSSL: vtepd with openflow.listen ssl: and keys from
// ovs-pki; ovs-vswitchd (set-ssl) connects and vtepd programs the bridge;
// a client without a certificate is refused.
func TestControllerChannelSSL(t *testing.T) {
	if _, err := exec.LookPath("ovs-pki"); err != nil {
		t.Skip("ovs-pki (openvswitch-common) is not installed")
	}
	r := upLab(t, "../labs/figure4.yaml", oneHypervisor)
	const hv = "hv1"
	dir := r.NodeDir(hv)
	pki := filepath.Join(dir, "pki")
	ovsPKI := func(args ...string) {
		cmd := exec.Command("ovs-pki", append([]string{"--dir=" + pki, "--log=" + filepath.Join(dir, "ovs-pki.log")}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ovs-pki %v: %v\n%s", args, err, out)
		}
	}
	ovsPKI("init", "--force")
	ovsPKI("req+sign", "vtepd", "controller")
	ovsPKI("req+sign", "sw", "switch")
	if _, err := r.OVS[hv].Vsctl(ctxT(t, 10*time.Second), "set-ssl", filepath.Join(dir, "sw-privkey.pem"),
		filepath.Join(dir, "sw-cert.pem"), filepath.Join(pki, "controllerca", "cacert.pem")); err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(dir, "vtepd.yaml")
	cfg, err := os.ReadFile(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	const addr = "127.0.0.1:6653"
	ssl := fmt.Sprintf("openflow:\n  listen: ssl:%s\n  private_key: %s\n  certificate: %s\n  ca_cert: %s\n", addr,
		filepath.Join(dir, "vtepd-privkey.pem"), filepath.Join(dir, "vtepd-cert.pem"), filepath.Join(pki, "switchca", "cacert.pem"))
	text := strings.Replace(string(cfg), "openflow:\n  listen: unix:"+filepath.Join(dir, "vtepd.sock")+"\n", ssl, 1)
	if text == string(cfg) {
		t.Fatalf("no openflow section to replace in:\n%s", cfg)
	}
	if err := os.WriteFile(cfgFile, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t, time.Minute)
	if err := r.RestartVtepd(ctx, hv, vtepdBin); err != nil {
		t.Fatal(err)
	}
	if err := r.WaitProgrammed(ctx, hv); err != nil {
		log, _ := os.ReadFile(r.Vtepds[hv].LogFile)
		t.Fatalf("vtepd over ssl: %v\n%s", err, log)
	}
	out, _ := r.OVS[hv].Vsctl(ctx, "--columns=target,is_connected", "list", "controller")
	if !strings.Contains(out, "ssl:"+addr) {
		t.Errorf("br-int's controller is not ssl:%s:\n%s", addr, out)
	}
	err = labs.InNetns(r.OVS[hv].Netns, func() error {
		c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			return nil
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if n, err := c.Read(make([]byte, 64)); err == nil {
			return fmt.Errorf("a client without a certificate read %d bytes of OpenFlow", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st := status(t, r, hv); !st.OverlayConnected {
		t.Fatal("overlay bridge not connected over ssl")
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		log, _ := os.ReadFile(r.Vtepds[hv].LogFile)
		if strings.Contains(string(log), "reason=handshake") {
			break
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("vtepd did not log the refused client; log:\n%s", log)
		}
	}
}
