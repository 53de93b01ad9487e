"""Sentences to hold an engine's vectors against a reference engine's (tests and ``eval.encoder_speed``).

Scripts and languages the seeds and Text+Berg lack: a precision or kernel
change that hurts one script shows up here.
"""

from __future__ import annotations

# Written for this benchmark (not from a corpus): everyday sentences in the
# scripts and languages the seeds lack, plus Bulgarian and Swedish.
MULTILINGUAL = {
    "bg": ["Исландия в момента председателства Съвета на държавите от Балтийско море.",
           "Срещата ще се проведе следващия вторник от 14:30 ч. в сградата на общината.",
           "Наркотиците често се пренасят между държавите през пристанищата."],
    "sv": ["Island är för närvarande ordförandeland i Östersjöstaternas råd.",
           "Mötet hålls nästa tisdag klockan 14.30 i stadshuset.",
           "Narkotika smugglas ofta mellan länder via hamnar."],
    "fi": ["Islanti toimii parhaillaan Itämeren valtioiden neuvoston puheenjohtajana.",
           "Kokous pidetään ensi tiistaina kello 14.30 kaupungintalolla.",
           "Huumeita salakuljetetaan usein maasta toiseen satamien kautta.",
           "Järjestö vaatii, että hallitus lisää mielenterveyspalvelujen rahoitusta."],
    "zh": ["冰岛目前担任波罗的海国家理事会轮值主席国。",
           "会议将于下周二下午两点半在市政厅举行。",
           "毒品经常通过港口在国家之间走私。",
           "该组织呼吁政府增加对心理健康服务的资金投入。"],
    "ar": ["تتولى أيسلندا حاليًا رئاسة مجلس دول بحر البلطيق.",
           "سيُعقد الاجتماع يوم الثلاثاء المقبل في الساعة الثانية والنصف بعد الظهر في مبنى البلدية.",
           "غالبًا ما يتم تهريب المخدرات بين البلدان عبر الموانئ."],
    "el": ["Η Ισλανδία ασκεί σήμερα την προεδρία του Συμβουλίου των Κρατών της Βαλτικής Θάλασσας.",
           "Η συνάντηση θα πραγματοποιηθεί την επόμενη Τρίτη στις 14:30 στο δημαρχείο.",
           "Τα ναρκωτικά διακινούνται συχνά μεταξύ χωρών μέσω των λιμανιών."],
    "hi": ["आइसलैंड वर्तमान में बाल्टिक सागर राज्यों की परिषद की अध्यक्षता कर रहा है।",
           "बैठक अगले मंगलवार को दोपहर ढाई बजे नगर भवन में होगी।",
           "नशीले पदार्थों की तस्करी अक्सर बंदरगाहों के रास्ते एक देश से दूसरे देश में होती है।"],
}


def evenly(items: list, n: int | None) -> list:
    """``n`` items spread evenly over ``items`` (all of them when ``n`` is None or too large)."""
    if not n or n >= len(items):
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]
