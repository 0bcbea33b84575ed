package httpkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
)

// Node is a server's life cycle: the address it listens on, the background
// work that Run starts beside HTTP and stops after it, and the cleanup that
// CloseAll runs, newest first. The zero value listens on Address.
type Node struct {
	Address    string // where Listen listens, e.g. "127.0.0.1:8080"; ":0" picks a port
	listener   net.Listener
	background []func(ctx context.Context) error
	closers    []func() error
}

// Go registers background work that Run starts and stops.
func (n *Node) Go(fn func(ctx context.Context) error) { n.background = append(n.background, fn) }

// OnClose registers cleanup that CloseAll runs, newest first.
func (n *Node) OnClose(fn func() error) { n.closers = append(n.closers, fn) }

// Listen opens the listener; Addr then tells where it is.
func (n *Node) Listen() error {
	l, err := net.Listen("tcp", n.Address)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", n.Address, err)
	}
	n.listener = l
	return nil
}

// Listener is the open listener, nil before Listen.
func (n *Node) Listener() net.Listener { return n.listener }

// Addr is the address the node listens on (Address until it listens).
func (n *Node) Addr() string {
	if n.listener == nil {
		return n.Address
	}
	return n.listener.Addr().String()
}

// Run listens if it does not yet, then serves h and runs the background
// work until ctx ends (Serve).
func (n *Node) Run(ctx context.Context, h http.Handler, log *slog.Logger) error {
	if n.listener == nil {
		if err := n.Listen(); err != nil {
			return err
		}
	}
	return Serve(ctx, n.listener, h, n.background, log)
}

// CloseAll runs the registered cleanup, newest first, once.
func (n *Node) CloseAll() error {
	var err error
	for i := len(n.closers) - 1; i >= 0; i-- {
		err = errors.Join(err, n.closers[i]())
	}
	n.closers = nil
	return err
}
