package agent

import "github.com/vtep/vtep/ofapp"

// asideBatch is how many flows aside hands over at once.
const asideBatch = 256

// aside runs read (a flow read such as eachFlow) with fn run on a
// goroutine of its own instead of the switch's reader: the reader copies
// the flows as they arrive into batches, which fn takes meanwhile, so that
// reading a large table and what is made of each flow overlap (at 100,000
// flows each is about half the work). fn sees the flows in the order they
// came, one at a time, and has seen them all when aside returns. The
// reader waits only when 8 batches are waiting for fn.
func aside(read func(each func(*ofapp.FlowStats) error) error, fn func(*ofapp.FlowStats)) error {
	full, free := make(chan []ofapp.FlowStats, 8), make(chan []ofapp.FlowStats, 8)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for batch := range full {
			for i := range batch {
				fn(&batch[i])
			}
			select {
			case free <- batch[:0]:
			default: // enough spare ones
			}
		}
	}()
	batch := make([]ofapp.FlowStats, 0, asideBatch)
	err := read(func(f *ofapp.FlowStats) error {
		batch = append(batch, *f)
		if len(batch) < asideBatch {
			return nil
		}
		full <- batch
		select {
		case batch = <-free:
		default:
			batch = make([]ofapp.FlowStats, 0, asideBatch)
		}
		return nil
	})
	if len(batch) > 0 {
		full <- batch
	}
	close(full)
	<-done
	return err
}
