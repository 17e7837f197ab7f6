package main

import (
	"context"
	"fmt"

	"github.com/opennca/nca/client"
)

// deskPDF runs "eds desk receipt" and "eds desk form": it fetches a PDF as staff and
// writes it to --pdf, a file that must not exist yet.
func deskPDF(ctx context.Context, a *app, args []string, name, arg, about string,
	fetch func(*client.Client, context.Context, string, string) ([]byte, error)) error {
	fs := a.flags("desk "+name, "eds desk "+name+" --server URL --key FILE "+arg+" --pdf FILE [--lang kk|ru|en]", about)
	var s signInFlags
	s.register(fs)
	out := fs.String("pdf", "", "write the PDF to this new `file`")
	lang := fs.String("lang", "", "`language` of the labels: kk, ru or en (the data print as typed)")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := fs.positional(pos, arg); err != nil {
		return err
	}
	if *out == "" {
		return usagef(fs.cmd, "give the file to write with --pdf FILE")
	}
	switch *lang {
	case "", "kk", "ru", "en":
	default:
		return usagef(fs.cmd, "--lang must be kk, ru or en")
	}
	cl, err := a.signIn(ctx, fs.cmd, &s)
	if err != nil {
		return err
	}
	pdf, err := fetch(cl, ctx, pos[0], *lang)
	if err != nil {
		return serverError("cannot fetch the PDF", err)
	}
	if err := writeNewFile(*out, pdf); err != nil {
		return fmt.Errorf("cannot write the PDF: %w", err)
	}
	fmt.Fprintf(a.stdout, "pdf: %s (%d bytes)\n", *out, len(pdf))
	return nil
}

func deskReceipt(ctx context.Context, a *app, args []string) error {
	return deskPDF(ctx, a, args, "receipt", "RECEIPT", `Writes a desk receipt or refusal receipt, as given by accept or refuse-documents (the
"receipt:" line of their output), to a PDF file to print. Labels are in Russian unless
--lang says otherwise. Output: "pdf: FILE (N bytes)".`, (*client.Client).ReceiptPDF)
}

func deskForm(ctx context.Context, a *app, args []string) error {
	return deskPDF(ctx, a, args, "form", "NUMBER", `Writes the printable application form of an application to a PDF file. Labels are in
the applicant's language unless --lang says otherwise. Output: "pdf: FILE (N bytes)".`, (*client.Client).DeskApplicationForm)
}
