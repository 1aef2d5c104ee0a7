# svgplot.awk: a line chart as a standalone SVG file, no dependencies.
# Input lines: SERIES<TAB>X<TAB>Y (points of a series in order; a series is
# drawn as a line with a dot at each point). Variables (-v):
#   title, xlabel, ylabel   text
#   logx=1, logy=1          logarithmic axes (base 2 for x, 10 for y)
#   hline=VALUE, hlabel=TEXT  a dashed horizontal reference line
#   vline=VALUE, vlabel=TEXT  a dashed vertical reference line
# Usage: awk -F '\t' -v title=... -f tools/svgplot.awk data.tsv > plot.svg
# MIT License, see LICENSE.
function tx(v) { return logx ? log(v) / log(2) : v }
function ty(v) { return logy ? log(v) / log(10) : v }
function px(v) { return L + (tx(v) - x0) / (x1 - x0) * W }
function py(v) { return T + H - (ty(v) - y0) / (y1 - y0) * H }
function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); return s }
function fmt(v) {
    if (v == int(v) && v < 1e6) return sprintf("%d", v)
    if (v >= 100) return sprintf("%.0f", v)
    if (v >= 10) return sprintf("%.1f", v)
    return sprintf("%.3g", v)
}
# tick positions between a and b (axis units): about 6 round steps
function ticks(a, b, lg, out,   n, step, m, t, k) {
    n = 0
    if (lg) { for (t = int(a) - 1; t <= b + 1e-9; t++) if (t >= a - 1e-9) out[++n] = t; return n }
    step = (b - a) / 6; m = exp(log(10) * int(log(step) / log(10) + (step < 1 ? -1 : 0)))
    if (step / m >= 5) step = 5 * m; else if (step / m >= 2) step = 2 * m; else step = m
    for (t = int(a / step) * step; t <= b + step * 1e-6; t += step) if (t >= a - step * 1e-6) out[++n] = t
    return n
}
BEGIN { FS = "\t"; ns = 0 }
NF >= 3 && $2 != "" && $3 != "" {
    s = $1
    if (!(s in sid)) { sid[s] = ++ns; sname[ns] = s; cnt[ns] = 0 }
    k = sid[s]; c = ++cnt[k]; X[k, c] = $2 + 0; Y[k, c] = $3 + 0
    v = tx($2 + 0); if (!seen || v < x0) x0 = v; if (!seen || v > x1) x1 = v
    v = ty($3 + 0); if (!seen || v < y0) y0 = v; if (!seen || v > y1) y1 = v
    seen = 1
}
END {
    if (hline != "") { v = ty(hline + 0); if (v > y1) y1 = v; if (v < y0) y0 = v }
    if (vline != "") { v = tx(vline + 0); if (v > x1) x1 = v; if (v < x0) x0 = v }
    if (!logy && y0 > 0) y0 = 0
    if (!logx && x0 > 0) x0 = 0
    if (logx) { x0 = int(x0 - (x0 < int(x0) ? 1 : 0)); x1 = (x1 == int(x1)) ? x1 : int(x1) + 1 }
    if (logy) { x = y0; y0 = int(y0) - (y0 < int(y0) ? 1 : 0); y1 = (y1 == int(y1)) ? y1 : int(y1) + 1 }
    if (x1 <= x0) x1 = x0 + 1
    if (y1 <= y0) y1 = y0 + 1
    if (!logy) y1 = y1 * 1.08
    if (!logx) x1 = x1 * 1.05
    L = 80; T = 50; W = 560; H = 380; R = 220
    split("#1f77b4 #d62728 #2ca02c #ff7f0e #9467bd #8c564b #e377c2 #17becf #7f7f7f", col, " ")
    split("0 6,3 2,2 8,3,2,3 0 6,3 2,2 0 6,3", dash, " ")
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n", L + W + R, T + H + 60, L + W + R, T + H + 60
    printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
    printf "<text x=\"%d\" y=\"24\" font-size=\"15\" font-weight=\"bold\">%s</text>\n", L, esc(title)
    nt = ticks(x0, x1, logx, xt)
    for (i = 1; i <= nt; i++) {
        xx = L + (xt[i] - x0) / (x1 - x0) * W
        printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e6e6e6\"/>\n", xx, T, xx, T + H
        printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", xx, T + H + 18, fmt(logx ? 2 ^ xt[i] : xt[i])
    }
    nt = ticks(y0, y1, logy, yt)
    for (i = 1; i <= nt; i++) {
        yy = T + H - (yt[i] - y0) / (y1 - y0) * H
        printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e6e6e6\"/>\n", L, yy, L + W, yy
        printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", L - 6, yy + 4, fmt(logy ? 10 ^ yt[i] : yt[i])
    }
    printf "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>\n", L, T, W, H
    printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", L + W / 2, T + H + 42, esc(xlabel)
    printf "<text x=\"18\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 18 %d)\">%s</text>\n", T + H / 2, T + H / 2, esc(ylabel)
    if (hline != "") {
        yy = py(hline + 0)
        printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#555\" stroke-dasharray=\"5,4\"/>\n", L, yy, L + W, yy
        printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">%s</text>\n", L + W - 4, yy - 5, esc(hlabel)
    }
    if (vline != "") {
        xx = px(vline + 0)
        printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#555\" stroke-dasharray=\"5,4\"/>\n", xx, T, xx, T + H
        printf "<text x=\"%.1f\" y=\"%d\" fill=\"#555\">%s</text>\n", xx + 4, T + 14, esc(vlabel)
    }
    for (k = 1; k <= ns; k++) {
        c = col[(k - 1) % 9 + 1]; d = dash[(k - 1) % 9 + 1]
        pts = ""
        for (i = 1; i <= cnt[k]; i++) pts = pts sprintf("%.1f,%.1f ", px(X[k, i]), py(Y[k, i]))
        printf "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>\n", pts, c, d == "0" ? "" : " stroke-dasharray=\"" d "\""
        for (i = 1; i <= cnt[k]; i++) printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n", px(X[k, i]), py(Y[k, i]), c
        ly = T + 10 + 20 * (k - 1)
        printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>\n", L + W + 14, ly, L + W + 40, ly, c, d == "0" ? "" : " stroke-dasharray=\"" d "\""
        printf "<circle cx=\"%d\" cy=\"%d\" r=\"3.5\" fill=\"%s\"/>\n", L + W + 27, ly, c
        printf "<text x=\"%d\" y=\"%d\">%s</text>\n", L + W + 46, ly + 4, esc(sname[k])
    }
    printf "</svg>\n"
}
