# Draws the sandbox's sample references. Kept out of the repo's build; outputs are committed.
import math, random
from PIL import Image, ImageDraw, ImageFilter

def lerp(a, b, t): return tuple(int(a[i] + (b[i]-a[i])*t) for i in range(3))

def landscape(w=1536, h=1024):
    im = Image.new("RGB", (w, h)); d = ImageDraw.Draw(im)
    for y in range(h):
        d.line([(0, y), (w, y)], fill=lerp((250, 190, 140), (90, 120, 190), 1 - y / h))
    d.ellipse([w*0.62, h*0.18, w*0.62+170, h*0.18+170], fill=(255, 236, 180))
    random.seed(3)
    for layer, col in enumerate([(92, 104, 140), (64, 84, 110), (40, 60, 70)]):
        pts = [(0, h)]
        base = h*(0.55 + layer*0.1)
        for x in range(0, w+40, 40):
            pts.append((x, base - 120*math.sin(x/(180+layer*60)+layer) - random.random()*30))
        pts.append((w, h)); d.polygon(pts, fill=col)
    d.rectangle([0, h*0.86, w, h], fill=(70, 110, 90))
    return im.filter(ImageFilter.SMOOTH)

def desk(w=1024, h=1024):
    im = Image.new("RGB", (w, h), (222, 210, 190)); d = ImageDraw.Draw(im)
    d.rectangle([0, h*0.62, w, h], fill=(140, 96, 60))
    for i in range(0, w, 24): d.line([(i, h*0.62), (i+80, h)], fill=(128, 88, 55), width=3)
    cx, cy, r = w*0.34, h*0.42, 170
    d.ellipse([cx-r, cy-r, cx+r, cy+r], fill=(40, 40, 46)); d.ellipse([cx-r+18, cy-r+18, cx+r-18, cy+r-18], fill=(246, 242, 232))
    for k in range(12):
        a = k/12*2*math.pi; d.line([(cx+math.sin(a)*(r-40), cy-math.cos(a)*(r-40)), (cx+math.sin(a)*(r-28), cy-math.cos(a)*(r-28))], fill=(30,30,30), width=6)
    d.line([(cx, cy), (cx+70, cy-60)], fill=(20,20,20), width=10); d.line([(cx, cy), (cx, cy-120)], fill=(20,20,20), width=6)
    d.rectangle([w*0.62, h*0.38, w*0.82, h*0.64], fill=(60, 120, 160)); d.ellipse([w*0.62, h*0.34, w*0.82, h*0.42], fill=(80, 150, 190))
    d.polygon([(w*0.66, h*0.36), (w*0.70, h*0.12), (w*0.74, h*0.36)], fill=(70, 140, 80))
    d.polygon([(w*0.72, h*0.36), (w*0.80, h*0.16), (w*0.78, h*0.36)], fill=(90, 160, 90))
    return im.filter(ImageFilter.SMOOTH)

def portrait(w=896, h=1152):
    im = Image.new("RGB", (w, h)); d = ImageDraw.Draw(im)
    for y in range(h): d.line([(0, y), (w, y)], fill=lerp((40, 50, 80), (200, 120, 150), y / h))
    d.ellipse([w*0.3, h*0.18, w*0.7, h*0.50], fill=(232, 196, 170))
    d.pieslice([w*0.27, h*0.14, w*0.73, h*0.46], 180, 360, fill=(60, 40, 30))
    d.ellipse([w*0.40, h*0.31, w*0.45, h*0.34], fill=(40, 30, 30)); d.ellipse([w*0.55, h*0.31, w*0.60, h*0.34], fill=(40, 30, 30))
    d.arc([w*0.43, h*0.38, w*0.57, h*0.44], 20, 160, fill=(150, 60, 60), width=5)
    d.pieslice([w*0.12, h*0.50, w*0.88, h*1.15], 180, 360, fill=(180, 60, 70))
    return im.filter(ImageFilter.SMOOTH)

landscape().save("mountains.jpg", quality=86)
desk().save("desk.jpg", quality=86)
portrait().save("portrait.jpg", quality=86)
