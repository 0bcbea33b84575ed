package httpkit

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Serve answers HTTP on l with h and runs the background work beside it
// until ctx ends or the server fails; then it shuts the server down
// (letting requests in flight finish within 10 s) and only after that
// stops the background work and waits for all of it, so that no request
// meets a stopped worker. A background function that returns early is
// logged; the others go on.
func Serve(ctx context.Context, l net.Listener, h http.Handler, background []func(ctx context.Context) error, log *slog.Logger) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	bgCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{}, len(background))
	for _, fn := range background {
		go func() {
			defer func() { done <- struct{}{} }()
			if err := fn(bgCtx); err != nil && bgCtx.Err() == nil {
				log.Error("background work stopped", "err", err)
			}
		}()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if serr := srv.Shutdown(shutCtx); serr != nil && err == nil {
		err = serr
	}
	stop()
	for range background {
		<-done
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
