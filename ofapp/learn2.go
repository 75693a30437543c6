package ofapp

// NXAST_LEARN2 (OVS 2.8) is NXAST_LEARN with three more fields after the
// 32-byte header: limit (32 bits), result_dst_ofs (16) and padding (16),
// then, if NX_LEARN_F_WRITE_RESULT is set, the NXM header of result_dst,
// then the same flow_mod_specs. libOpenflow knows only NXAST_LEARN, so a
// LEARN2 action is decoded by rewriting it into a LEARN action without the
// extra fields, decoding that, and putting them back.

// learn2Header is the size of NXAST_LEARN2 before its specs, without the
// result_dst header.
const learn2Header = 40

// isLearn2 reports whether the action bytes are Nicira NXAST_LEARN2.
func isLearn2(b []byte) bool {
	return len(b) >= 16 && be.Uint16(b) == actExperimenter && be.Uint32(b[4:]) == experimenterNicira && be.Uint16(b[8:]) == nxastLearn2
}

// decodeLearn2 decodes an NXAST_LEARN2 action of exactly len(b) bytes.
// One it cannot hold (other flags, an experimenter result_dst header, a
// result_dst of more than one bit) stays raw.
func decodeLearn2(b []byte) (Action, error) {
	if len(b) < learn2Header {
		return nil, protoErr("learn2 action of %d bytes, want at least %d", len(b), learn2Header)
	}
	flags := be.Uint16(b[24:])
	limit, ofs := be.Uint32(b[32:]), be.Uint16(b[36:])
	specs := b[learn2Header:]
	var result FieldRange
	if flags&learnFlagWriteResult != 0 {
		if len(specs) < 4 || be.Uint16(specs) == 0xffff {
			return raw(b), nil
		}
		result = Bits(fieldFromHeader(be.Uint32(specs)), ofs, 1)
		specs = specs[4:]
	}
	// The same action as NXAST_LEARN: the 32-byte header, then the specs
	// without LEARN2's padding (libOpenflow refuses 8 bytes of padding,
	// which the rewrite would otherwise leave).
	n, ok := learnSpecsLen(specs)
	if !ok {
		return raw(b), nil
	}
	specs = specs[:n]
	l1 := make([]byte, 0, 32+len(specs)+8)
	l1 = append(l1, b[:32]...)
	be.PutUint16(l1[8:], nxastLearn)
	be.PutUint16(l1[24:], flags&^learnFlagWriteResult)
	l1 = append(l1, specs...)
	l1 = pad8(l1, 0)
	setLen16(l1, 0)
	a, err := decodeAction(l1[:len(l1):len(l1)])
	if err != nil {
		return nil, err
	}
	l, ok := a.(Learn)
	if !ok {
		return raw(b), nil
	}
	l.Limit, l.ResultDst = limit, result
	if validateAction(l) != nil {
		return raw(b), nil
	}
	return l, nil
}

// learnSpecsLen returns the length of the flow_mod_specs at the start of b:
// up to a zero header or the end, whatever padding follows. It reports
// false for a spec that runs past the end or has a reserved destination.
func learnSpecsLen(b []byte) (int, bool) {
	n := 0
	for n+2 <= len(b) {
		h := be.Uint16(b[n:])
		if h == 0 {
			break
		}
		size := 2
		if h&learnSrcImmediate != 0 {
			size += 2 * ((int(h&learnNBitsMask) + 15) / 16)
		} else {
			size += 6
		}
		switch h & learnDstMask {
		case 0, learnDstLoad:
			size += 6
		case learnDstOutput:
		default:
			return 0, false
		}
		if n+size > len(b) {
			return 0, false
		}
		n += size
	}
	return n, true
}
