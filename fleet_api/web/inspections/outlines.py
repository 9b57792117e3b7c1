"""The outlines a coordinator taps to mark a damage: a car seen from above, a scooter and an
e-bike from the side. Each part is an SVG path named as a damage's `location` is written
(« aile avant gauche »); parts listed later are drawn on top. Labels (x, y, text, rotation)
say which way the drawing faces; a side view is `wide` (drawn above the damage list)."""

from __future__ import annotations


def _rect(x: float, y: float, width: float, height: float, radius: float = 0) -> str:
    r = radius
    return (
        f"M{x + r},{y} h{width - 2 * r} q{r},0 {r},{r} v{height - 2 * r} q0,{r} {-r},{r}"
        f" h{-(width - 2 * r)} q{-r},0 {-r},{-r} v{-(height - 2 * r)} q0,{-r} {r},{-r} Z"
    )


def _circle(cx: float, cy: float, r: float) -> str:
    return f"M{cx - r},{cy} a{r},{r} 0 1,0 {2 * r},0 a{r},{r} 0 1,0 {-2 * r},0 Z"


CAR = {
    "view_box": "0 0 260 470",
    "caption": "Voiture vue de dessus, l'avant en haut",
    "labels": [(130, 12, "AVANT", 0), (130, 464, "ARRIÈRE", 0), (12, 240, "GAUCHE", -90), (250, 240, "DROITE", 90)],
    "parts": [
        ("roue avant gauche", _rect(24, 70, 18, 56, 6)),
        ("roue avant droite", _rect(218, 70, 18, 56, 6)),
        ("roue arrière gauche", _rect(24, 320, 18, 56, 6)),
        ("roue arrière droite", _rect(218, 320, 18, 56, 6)),
        ("rétroviseur gauche", _rect(18, 150, 24, 14, 4)),
        ("rétroviseur droit", _rect(218, 150, 24, 14, 4)),
        ("pare-chocs avant", "M52,50 q0,-30 30,-32 h96 q30,2 30,32 Z"),
        ("capot", _rect(62, 50, 136, 86)),
        ("pare-brise", "M62,136 h136 l-12,36 h-112 Z"),
        ("toit", _rect(74, 172, 112, 110)),
        ("lunette arrière", "M74,282 h112 l12,30 h-136 Z"),
        ("coffre", _rect(62, 312, 136, 78)),
        ("pare-chocs arrière", "M52,390 h156 q0,30 -30,32 h-96 q-30,-2 -30,-32 Z"),
        ("aile avant gauche", _rect(42, 50, 20, 86)),
        ("portière avant gauche", _rect(42, 136, 32, 88)),
        ("portière arrière gauche", _rect(42, 224, 32, 88)),
        ("aile arrière gauche", _rect(42, 312, 20, 78)),
        ("aile avant droite", _rect(198, 50, 20, 86)),
        ("portière avant droite", _rect(186, 136, 32, 88)),
        ("portière arrière droite", _rect(186, 224, 32, 88)),
        ("aile arrière droite", _rect(198, 312, 20, 78)),
    ],
}

SCOOTER = {
    "view_box": "0 0 460 280",
    "caption": "Scooter vu de côté, l'avant à droite",
    "wide": True,
    "labels": [(430, 150, "AVANT", 0), (30, 270, "ARRIÈRE", 0)],
    "parts": [
        ("roue arrière", _circle(100, 220, 46)),
        ("roue avant", _circle(370, 220, 46)),
        ("plancher", "M170,200 h130 v22 h-130 Z"),
        ("carénage arrière", "M60,170 q10,-60 80,-60 h60 q10,0 10,10 v70 q0,22 -22,22 h-40 q-30,-40 -88,-42 Z"),
        ("selle", "M110,92 q10,-22 40,-22 h70 q24,0 24,22 v14 h-134 Z"),
        ("feu arrière", _rect(44, 140, 22, 18, 5)),
        ("tablier avant", "M300,222 v-60 l32,-90 h22 l-8,100 q-6,50 -46,50 Z"),
        ("fourche et garde-boue avant", "M336,150 l30,70 h18 l-30,-80 Z"),
        ("guidon", "M310,40 h70 q10,0 10,10 v8 h-90 v-8 q0,-10 10,-10 Z"),
        ("phare", _rect(356, 66, 26, 20, 6)),
        ("rétroviseurs", "M318,14 h12 v26 h-12 Z M366,14 h12 v26 h-12 Z"),
    ],
}

EBIKE = {
    "view_box": "0 0 460 280",
    "caption": "Vélo électrique vu de côté, l'avant à droite",
    "wide": True,
    "labels": [(440, 30, "AVANT", 0), (30, 30, "ARRIÈRE", 0)],
    "parts": [
        ("roue arrière", _circle(100, 200, 62)),
        ("roue avant", _circle(360, 200, 62)),
        ("porte-bagages", "M56,114 h120 v10 h-120 Z"),
        ("batterie", _rect(66, 94, 92, 20, 6)),
        ("cadre", "M100,200 L172,100 L182,100 L290,100 L296,112 L208,210 L192,210 Z M176,96 h8 v6 h-8 Z"),
        ("pédalier", _circle(200, 206, 16)),
        ("selle", "M150,80 h56 q8,0 8,8 v6 h-72 v-6 q0,-8 8,-8 Z"),
        ("fourche", "M284,96 h14 l66,104 h-16 Z"),
        ("guidon", "M262,54 h64 q8,0 8,8 v8 h-32 v26 h-8 v-26 h-32 v-8 q0,-8 8,-8 Z"),
        ("éclairage avant", _rect(304, 104, 24, 16, 5)),
    ],
}

OUTLINES = {"car": CAR, "ecar": CAR, "scooter": SCOOTER, "ebike": EBIKE}
