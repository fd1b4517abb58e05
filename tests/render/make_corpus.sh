#!/usr/bin/env bash
# Makes the render test corpus with real third-party tools (never copied
# files): PDFs from Ghostscript's ps2pdf, groff and LibreOffice; Office
# documents (odt, docx) from LibreOffice; images from ImageMagick; mails from
# Python's email package (make_mails.py). For every document with text,
# expected/<file>.txt holds the words put in, which OCR must give back.
#
# usage: make_corpus.sh OUTDIR
set -euo pipefail
out=$1
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/expected"
cd "$out"

para() { # a paragraph of ordinary English words, distinct per document
    case $1 in
    ps) echo "The quarterly report shows that our sales grew in every region. We thank all customers for their trust and look forward to another good year together." ;;
    groff) echo "Please find attached the signed contract for the new office building. The keys will be handed over on the first working day of next month." ;;
    lopdf) echo "Our technicians will visit your site on Monday morning to install the new printers and to train the staff who will use them every day." ;;
    odt) echo "The meeting about the budget has been moved to Thursday afternoon because the director is travelling on Wednesday and cannot attend." ;;
    docx) echo "Thank you for your order of twelve boxes of paper. The goods will leave our warehouse tomorrow and should reach you within three days." ;;
    txt) echo "This plain text file was attached to the message. It has several lines of ordinary words that a fax machine should print clearly." ;;
    html) echo "Dear customer, this letter was written as a web page with a heading, a list and a table of prices for the coming season." ;;
    body) echo "Hello, here is the weekly summary from the sales department. Please read the attached documents before our call on Friday." ;;
    esac
}

# --- PDF from Ghostscript's ps2pdf: Helvetica 10 pt, wrapped by us.
{
    echo '%!PS'
    echo '/Helvetica findfont 10 scalefont setfont'
    y=760
    para ps | fold -s -w 90 | while IFS= read -r line; do
        echo "72 $y moveto ($line) show"
        y=$((y - 14))
    done
    echo 'showpage'
} > ps.ps
ps2pdf -sPAPERSIZE=a4 ps.ps ps.pdf
para ps > expected/ps.pdf.txt

# --- PDF from groff (ms macros, 10 pt Times).
{
    echo '.nr PS 10'
    echo '.LP'
    para groff
} > groff.ms
groff -ms -Tpdf -dpaper=a4 -P-pa4 groff.ms > groff.pdf
para groff > expected/groff.pdf.txt

# --- Office documents from a flat ODF text (10 pt DejaVu Sans) with LibreOffice.
fodt() { # $1 = paragraph text
cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:font-face-decls>
  <style:font-face style:name="DejaVu Sans" svg:font-family="'DejaVu Sans'" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"/>
 </office:font-face-decls>
 <office:automatic-styles>
  <style:style style:name="P1" style:family="paragraph">
   <style:text-properties style:font-name="DejaVu Sans" fo:font-size="10pt"/>
  </style:style>
 </office:automatic-styles>
 <office:body><office:text><text:p text:style-name="P1">$1</text:p></office:text></office:body>
</office:document>
EOF
}
lo() { # convert $1 to format $2 into the current directory
    soffice -env:UserInstallation=file://$out/lo-profile --headless --norestore \
        --convert-to "$2" --outdir "$out" "$1" >/dev/null 2>&1
}
fodt "$(para lopdf)" > lopdf.fodt
lo lopdf.fodt pdf
para lopdf > expected/lopdf.pdf.txt
fodt "$(para odt)" > odt.fodt
lo odt.fodt odt
para odt > expected/odt.odt.txt
fodt "$(para docx)" > docx.fodt
lo docx.fodt 'docx:MS Word 2007 XML'
para docx > expected/docx.docx.txt
rm -f ./*.fodt

# --- Text files in three charsets.
# The UTF-8 originals (*.utf8) let the test check the decoding exactly.
para txt > expected/latin1.txt.txt
{ para txt; echo "Café, naïve façade."; } > latin1.utf8
iconv -f UTF-8 -t ISO-8859-1 < latin1.utf8 > latin1.txt
para txt > expected/cp1252.txt.txt
{ para txt; echo "Price: 25 € – “quoted”."; } > cp1252.utf8
iconv -f UTF-8 -t WINDOWS-1252 < cp1252.utf8 > cp1252.txt
para txt > expected/utf16.txt.txt
{ para txt; echo "Grüße aus München."; } > utf16.utf8
iconv -f UTF-8 -t UTF-16 < utf16.utf8 > utf16.txt

# --- HTML with a heading, a list and a table.
cat > page.html <<EOF
<html><body><h1>Spring prices</h1><p>$(para html)</p>
<ul><li>apples from the north</li><li>pears from the south</li></ul>
<table><tr><th>Fruit</th><th>Price</th></tr><tr><td>apples</td><td>12</td></tr><tr><td>pears</td><td>15</td></tr></table>
<img src="logo.png" alt=""></body></html>
EOF
{ echo "Spring prices"; para html; echo "apples from the north pears from the south Fruit Price apples 12 pears 15"; } > expected/page.html.txt

# --- Images from ImageMagick: text as PNG, JPEG, GIF, BMP and TIFF, a
# photo-like gradient and line art.
font=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
img_text="Invoice number four hundred"
for ext in png jpg gif bmp tiff; do
    # 8 bits, no alpha: what scanners and cameras write (ImageMagick's
    # default TIFF here is 16-bit gray with alpha, which we do not decode).
    convert -size 1400x300 xc:white -font "$font" -pointsize 56 -fill black \
        -annotate +40+120 "$img_text" -annotate +40+220 "paid in $ext format" \
        -alpha off -depth 8 "image.$ext"
    echo "$img_text paid in $ext format" > "expected/image.$ext.txt"
done
convert -size 800x600 gradient:white-black -swirl 90 photo.jpg
convert -size 800x600 xc:white -stroke black -strokewidth 4 -fill none \
    -draw "rectangle 50,50 750,550" -draw "line 50,50 750,550" -draw "circle 400,300 400,150" lineart.png

# --- Mails from Python's email package.
python3 "$here/make_mails.py" "$out" "$(para body)"
