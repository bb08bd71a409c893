package main

import (
	"context"
	"time"
)

// sliceLen matches warren's and the naive poller's 5 s period: any 5 s
// slice holds one poll's worth of their work, so the median slice drops
// other clients' bursts on the shared broker without dropping ours.
const sliceLen = 5 * time.Second

// load is the broker's CPU over one window, in percent of one core.
type load struct {
	Mean   float64 // over the whole window
	Median float64 // of its whole 5 s slices; Mean when there are none
}

// cpuSample is the broker's total CPU time at one moment.
type cpuSample struct {
	at  time.Time
	cpu time.Duration
}

// summarize turns samples taken every sliceLen (the last may come early)
// into a load.
func summarize(samples []cpuSample) load {
	if len(samples) < 2 {
		return load{}
	}
	first, last := samples[0], samples[len(samples)-1]
	l := load{Mean: percentOfCore(last.cpu-first.cpu, last.at.Sub(first.at))}
	var slices []float64
	for i := 1; i < len(samples); i++ {
		wall := samples[i].at.Sub(samples[i-1].at)
		if wall >= sliceLen*9/10 {
			slices = append(slices, percentOfCore(samples[i].cpu-samples[i-1].cpu, wall))
		}
	}
	l.Median = l.Mean
	if len(slices) > 0 {
		l.Median = median(slices)
	}
	return l
}

// sampler reads the broker's CPU every sliceLen until finished.
type sampler struct {
	stop chan struct{}
	done chan sampled
}

type sampled struct {
	load load
	err  error
}

func (b *bench) startSampler() *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan sampled, 1)}
	go func() {
		var samples []cpuSample
		read := func() error {
			cpu, err := b.broker.read()
			samples = append(samples, cpuSample{at: time.Now(), cpu: cpu})
			return err
		}
		if err := read(); err != nil {
			s.done <- sampled{err: err}
			return
		}
		tick := time.NewTicker(sliceLen)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				if err := read(); err != nil {
					s.done <- sampled{err: err}
					return
				}
			case <-s.stop:
				err := read()
				s.done <- sampled{load: summarize(samples), err: err}
				return
			}
		}
	}()
	return s
}

func (s *sampler) finish() (load, error) {
	close(s.stop)
	r := <-s.done
	return r.load, r.err
}

// brokerWindow measures the broker over d.
func (b *bench) brokerWindow(ctx context.Context, d time.Duration) (load, error) {
	s := b.startSampler()
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
	l, err := s.finish()
	return l, firstError(ctx.Err(), err)
}
