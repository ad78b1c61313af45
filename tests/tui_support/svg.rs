//! A rendered buffer as an SVG image with its colours, for `screenshots/`.

use std::fmt::Write;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

const CW: u32 = 9;
const CH: u32 = 18;

fn hex(c: Color, default: &str) -> String {
    let basic = [
        "#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
        "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff",
    ];
    let i = match c {
        Color::Reset => return default.to_string(),
        Color::Rgb(r, g, b) => return format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(n) if n < 16 => usize::from(n),
        Color::Indexed(n) => {
            return format!("#{0:02x}{0:02x}{0:02x}", 8 + (u16::from(n) % 24) * 10);
        }
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
    };
    basic[i].to_string()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `light`: default colours of a light terminal instead of a dark one.
pub fn svg(buf: &Buffer, light: bool) -> String {
    let (dfg, dbg) = if light {
        ("#1f2328", "#ffffff")
    } else {
        ("#d4d4d4", "#1e1e1e")
    };
    let w = u32::from(buf.area.width) * CW;
    let h = u32::from(buf.area.height) * CH;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"15\">\n<rect width=\"100%\" height=\"100%\" fill=\"{dbg}\"/>\n"
    );
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let cell = &buf[(x, y)];
            let rev = cell.modifier.contains(Modifier::REVERSED);
            let (mut fg, mut bg) = (hex(cell.fg, dfg), hex(cell.bg, dbg));
            if rev {
                std::mem::swap(&mut fg, &mut bg);
            }
            let (px, py) = (u32::from(x) * CW, u32::from(y) * CH);
            if bg != dbg {
                let _ = writeln!(
                    out,
                    "<rect x=\"{px}\" y=\"{py}\" width=\"{CW}\" height=\"{CH}\" fill=\"{bg}\"/>"
                );
            }
            let sym = cell.symbol();
            if sym.trim().is_empty() {
                continue;
            }
            let mut attrs = String::new();
            if cell.modifier.contains(Modifier::BOLD) {
                attrs.push_str(" font-weight=\"bold\"");
            }
            if cell.modifier.contains(Modifier::ITALIC) {
                attrs.push_str(" font-style=\"italic\"");
            }
            if cell.modifier.contains(Modifier::DIM) {
                attrs.push_str(" opacity=\"0.6\"");
            }
            if cell.modifier.contains(Modifier::UNDERLINED) {
                attrs.push_str(" text-decoration=\"underline\"");
            }
            let _ = writeln!(
                out,
                "<text x=\"{px}\" y=\"{}\" fill=\"{fg}\"{attrs}>{}</text>",
                py + CH - 5,
                esc(sym)
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

/// Colour runs per row, for snapshots that must show styles: `[fg/bg+mods]text`.
pub fn styles(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut last = String::new();
        for x in 0..buf.area.width {
            let c = &buf[(x, y)];
            let key = format!(
                "{}/{}{}",
                hex(c.fg, "-"),
                hex(c.bg, "-"),
                if c.modifier.is_empty() {
                    String::new()
                } else {
                    format!("+{:?}", c.modifier)
                }
            );
            if key != last {
                let _ = write!(out, "[{key}]");
                last = key;
            }
            out.push_str(c.symbol());
        }
        out.push('\n');
    }
    out
}
