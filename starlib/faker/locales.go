package faker

import "strings"

// extraLocales returns the small native word lists for the languages most
// generators ask for. They cover person names, cities, regions, postcodes and
// phone numbers only; everything else (internet, text, company, ...) is
// English for every locale. Lists are deliberately short: they make the
// output look local, they are not a gazetteer.
func extraLocales() map[string]*localeData {
	t := func(s string) table { return newTable(strings.Split(s, "|")) }
	return map[string]*localeData{
		"de": {
			first:       t("Anna|Lena|Lea|Hannah|Mia|Emma|Sophie|Laura|Julia|Sarah|Lukas|Leon|Maximilian|Felix|Paul|Jonas|Tim|David|Niklas|Jan|Thomas|Michael|Andreas|Stefan|Katrin|Sabine|Ursula|Klaus|Jürgen|Monika"),
			last:        t("Müller|Schmidt|Schneider|Fischer|Weber|Meyer|Wagner|Becker|Schulz|Hoffmann|Schäfer|Koch|Bauer|Richter|Klein|Wolf|Schröder|Neumann|Schwarz|Zimmermann|Braun|Krüger|Hofmann|Hartmann|Lange|Schmitt|Werner|Krause|Meier|Lehmann"),
			city:        t("Berlin|Hamburg|München|Köln|Frankfurt am Main|Stuttgart|Düsseldorf|Leipzig|Dortmund|Essen|Bremen|Dresden|Hannover|Nürnberg|Duisburg|Bochum|Wuppertal|Bielefeld|Bonn|Münster"),
			street:      t("Hauptstraße|Schulstraße|Gartenstraße|Bahnhofstraße|Dorfstraße|Bergstraße|Birkenweg|Lindenstraße|Kirchstraße|Waldstraße|Ringstraße|Schillerstraße|Goethestraße|Mühlenweg|Amselweg"),
			state:       t("Baden-Württemberg|Bayern|Berlin|Brandenburg|Bremen|Hamburg|Hessen|Mecklenburg-Vorpommern|Niedersachsen|Nordrhein-Westfalen|Rheinland-Pfalz|Saarland|Sachsen|Sachsen-Anhalt|Schleswig-Holstein|Thüringen"),
			stateAbbr:   t("BW|BY|BE|BB|HB|HH|HE|MV|NI|NW|RP|SL|SN|ST|SH|TH"),
			postcodeFmt: "#####",
			phoneFmts:   []string{"+49 ### #######", "0### #######", "+49 (0)### ######", "0#### ######"},
			countryCode: "DE",
		},
		"fr": {
			first:       t("Marie|Camille|Léa|Manon|Chloé|Emma|Inès|Sarah|Julie|Claire|Lucas|Hugo|Louis|Gabriel|Arthur|Jules|Nathan|Thomas|Nicolas|Pierre|Antoine|Julien|Alexandre|Mathieu|Isabelle|Nathalie|Sophie|François|Philippe|Michel"),
			last:        t("Martin|Bernard|Thomas|Petit|Robert|Richard|Durand|Dubois|Moreau|Laurent|Simon|Michel|Lefebvre|Leroy|Roux|David|Bertrand|Morel|Fournier|Girard|Bonnet|Dupont|Lambert|Fontaine|Rousseau|Vincent|Muller|Lefèvre|Faure|André"),
			city:        t("Paris|Marseille|Lyon|Toulouse|Nice|Nantes|Strasbourg|Montpellier|Bordeaux|Lille|Rennes|Reims|Le Havre|Saint-Étienne|Toulon|Grenoble|Dijon|Angers|Nîmes|Villeurbanne"),
			street:      t("rue de la Paix|rue Victor Hugo|avenue des Champs-Élysées|boulevard Saint-Germain|rue de la République|rue Pasteur|rue Jean Jaurès|place de la Mairie|rue du Moulin|chemin des Vignes|rue de l'Église|avenue Foch"),
			state:       t("Auvergne-Rhône-Alpes|Bourgogne-Franche-Comté|Bretagne|Centre-Val de Loire|Corse|Grand Est|Hauts-de-France|Île-de-France|Normandie|Nouvelle-Aquitaine|Occitanie|Pays de la Loire|Provence-Alpes-Côte d'Azur"),
			stateAbbr:   t("ARA|BFC|BRE|CVL|COR|GES|HDF|IDF|NOR|NAQ|OCC|PDL|PAC"),
			postcodeFmt: "#####",
			phoneFmts:   []string{"+33 # ## ## ## ##", "0# ## ## ## ##", "+33 (0)# ## ## ## ##"},
			countryCode: "FR",
		},
		"es": {
			first:       t("María|Lucía|Paula|Laura|Marta|Carmen|Ana|Sofía|Elena|Isabel|Antonio|José|Manuel|Francisco|David|Juan|Javier|Daniel|Carlos|Jesús|Alejandro|Miguel|Rafael|Pablo|Sergio|Pedro|Ángel|Fernando|Luis|Jorge"),
			last:        t("García|Rodríguez|González|Fernández|López|Martínez|Sánchez|Pérez|Gómez|Martín|Jiménez|Ruiz|Hernández|Díaz|Moreno|Muñoz|Álvarez|Romero|Alonso|Gutiérrez|Navarro|Torres|Domínguez|Vázquez|Ramos|Gil|Ramírez|Serrano|Blanco|Molina"),
			city:        t("Madrid|Barcelona|Valencia|Sevilla|Zaragoza|Málaga|Murcia|Palma|Las Palmas|Bilbao|Alicante|Córdoba|Valladolid|Vigo|Gijón|Granada|A Coruña|Vitoria|Elche|Oviedo"),
			street:      t("Calle Mayor|Calle Real|Gran Vía|Calle de Alcalá|Avenida de la Constitución|Plaza Mayor|Calle del Sol|Calle Nueva|Paseo del Prado|Calle de la Iglesia"),
			state:       t("Andalucía|Aragón|Asturias|Baleares|Canarias|Cantabria|Castilla y León|Castilla-La Mancha|Cataluña|Comunidad Valenciana|Extremadura|Galicia|La Rioja|Madrid|Murcia|Navarra|País Vasco"),
			stateAbbr:   t("AN|AR|AS|IB|CN|CB|CL|CM|CT|VC|EX|GA|RI|MD|MC|NC|PV"),
			postcodeFmt: "#####",
			phoneFmts:   []string{"+34 ### ### ###", "+34 ### ## ## ##", "6## ### ###", "9## ## ## ##"},
			countryCode: "ES",
		},
		"it": {
			first:       t("Giulia|Francesca|Sara|Chiara|Martina|Alessia|Giorgia|Elena|Valentina|Sofia|Marco|Alessandro|Andrea|Luca|Matteo|Lorenzo|Francesco|Giuseppe|Davide|Simone|Antonio|Giovanni|Roberto|Stefano|Paolo|Federico|Riccardo|Anna|Laura|Maria"),
			last:        t("Rossi|Russo|Ferrari|Esposito|Bianchi|Romano|Colombo|Ricci|Marino|Greco|Bruno|Gallo|Conti|De Luca|Mancini|Costa|Giordano|Rizzo|Lombardi|Moretti|Barbieri|Fontana|Santoro|Mariani|Rinaldi|Caruso|Ferrara|Galli|Martini|Leone"),
			city:        t("Roma|Milano|Napoli|Torino|Palermo|Genova|Bologna|Firenze|Bari|Catania|Venezia|Verona|Messina|Padova|Trieste|Brescia|Parma|Taranto|Prato|Modena"),
			street:      t("Via Roma|Via Garibaldi|Via Mazzini|Corso Italia|Via Dante|Piazza del Duomo|Via Verdi|Via Marconi|Viale della Repubblica|Via Cavour"),
			state:       t("Abruzzo|Basilicata|Calabria|Campania|Emilia-Romagna|Friuli-Venezia Giulia|Lazio|Liguria|Lombardia|Marche|Molise|Piemonte|Puglia|Sardegna|Sicilia|Toscana|Trentino-Alto Adige|Umbria|Valle d'Aosta|Veneto"),
			stateAbbr:   t("RM|MI|NA|TO|PA|GE|BO|FI|BA|CT|VE|VR|ME|PD|TS|BS|PR|TA|PO|MO"),
			postcodeFmt: "#####",
			phoneFmts:   []string{"+39 ### #######", "+39 0## #######", "3## ### ####"},
			countryCode: "IT",
		},
		"pt": {
			first:       t("Maria|Ana|Beatriz|Mariana|Inês|Juliana|Camila|Larissa|Fernanda|Gabriela|João|Pedro|Lucas|Gabriel|Rafael|Tiago|Miguel|Gustavo|Matheus|Bruno|Carlos|Paulo|Ricardo|Rodrigo|Diego|André|Felipe|Luís|Rita|Sofia"),
			last:        t("Silva|Santos|Oliveira|Souza|Pereira|Costa|Rodrigues|Almeida|Nascimento|Lima|Araújo|Ferreira|Carvalho|Gomes|Martins|Rocha|Ribeiro|Alves|Monteiro|Mendes|Barros|Freitas|Barbosa|Pinto|Moura|Cavalcanti|Dias|Castro|Campos|Cardoso"),
			city:        t("São Paulo|Rio de Janeiro|Brasília|Salvador|Fortaleza|Belo Horizonte|Manaus|Curitiba|Recife|Porto Alegre|Lisboa|Porto|Braga|Coimbra|Faro|Belém|Goiânia|Campinas|Natal|Florianópolis"),
			street:      t("Rua das Flores|Avenida Paulista|Rua Augusta|Rua da Liberdade|Avenida Brasil|Rua Sete de Setembro|Rua XV de Novembro|Avenida da República|Rua do Comércio|Praça da Sé"),
			state:       t("Acre|Alagoas|Amapá|Amazonas|Bahia|Ceará|Goiás|Maranhão|Mato Grosso|Minas Gerais|Pará|Paraíba|Paraná|Pernambuco|Piauí|Rio de Janeiro|Santa Catarina|São Paulo|Sergipe|Tocantins"),
			stateAbbr:   t("AC|AL|AP|AM|BA|CE|GO|MA|MT|MG|PA|PB|PR|PE|PI|RJ|SC|SP|SE|TO"),
			postcodeFmt: "#####-###",
			phoneFmts:   []string{"+55 (##) 9####-####", "(##) ####-####", "+55 ## #### ####"},
			countryCode: "BR",
		},
		"nl": {
			first:       t("Emma|Julia|Sophie|Tess|Anna|Eva|Sara|Lotte|Fleur|Noor|Daan|Sem|Lucas|Levi|Finn|Milan|Bram|Thijs|Ruben|Jesse|Jan|Pieter|Kees|Henk|Willem|Maarten|Sanne|Anouk|Femke|Joost"),
			last:        t("de Jong|Jansen|de Vries|van den Berg|van Dijk|Bakker|Janssen|Visser|Smit|Meijer|de Boer|Mulder|de Groot|Bos|Vos|Peters|Hendriks|van Leeuwen|Dekker|Brouwer|de Wit|Dijkstra|Smits|de Graaf|van der Meer|Kok|Jacobs|de Haan|Vermeulen|van den Heuvel"),
			city:        t("Amsterdam|Rotterdam|Den Haag|Utrecht|Eindhoven|Groningen|Tilburg|Almere|Breda|Nijmegen|Apeldoorn|Haarlem|Arnhem|Enschede|Amersfoort|Zaanstad|Maastricht|Leiden|Dordrecht|Zwolle"),
			street:      t("Kerkstraat|Dorpsstraat|Schoolstraat|Molenweg|Stationsweg|Julianastraat|Beatrixstraat|Hoofdstraat|Markt|Wilhelminastraat"),
			state:       t("Drenthe|Flevoland|Friesland|Gelderland|Groningen|Limburg|Noord-Brabant|Noord-Holland|Overijssel|Utrecht|Zeeland|Zuid-Holland"),
			stateAbbr:   t("DR|FL|FR|GE|GR|LI|NB|NH|OV|UT|ZE|ZH"),
			postcodeFmt: "#### ??",
			phoneFmts:   []string{"+31 6 ########", "06-########", "+31 ## ### ####", "0## ### ####"},
			countryCode: "NL",
		},
		"pl": {
			first:       t("Anna|Maria|Katarzyna|Małgorzata|Agnieszka|Barbara|Ewa|Magdalena|Zofia|Julia|Piotr|Krzysztof|Andrzej|Tomasz|Paweł|Jan|Michał|Marcin|Jakub|Adam|Łukasz|Mateusz|Kamil|Wojciech|Marek|Grzegorz|Kacper|Aleksandra|Natalia|Joanna"),
			last:        t("Nowak|Kowalski|Wiśniewski|Wójcik|Kowalczyk|Kamiński|Lewandowski|Zieliński|Szymański|Woźniak|Dąbrowski|Kozłowski|Jankowski|Mazur|Kwiatkowski|Krawczyk|Kaczmarek|Piotrowski|Grabowski|Zając|Pawłowski|Michalski|Król|Wieczorek|Jabłoński|Wróbel|Nowakowski|Majewski|Olszewski|Stępień"),
			city:        t("Warszawa|Kraków|Łódź|Wrocław|Poznań|Gdańsk|Szczecin|Bydgoszcz|Lublin|Białystok|Katowice|Gdynia|Częstochowa|Radom|Toruń|Sosnowiec|Rzeszów|Kielce|Gliwice|Olsztyn"),
			street:      t("ul. Polna|ul. Leśna|ul. Słoneczna|ul. Krótka|ul. Szkolna|ul. Ogrodowa|ul. Lipowa|ul. Brzozowa|ul. Łąkowa|ul. Kwiatowa|ul. Mickiewicza|ul. Kościuszki"),
			state:       t("dolnośląskie|kujawsko-pomorskie|lubelskie|lubuskie|łódzkie|małopolskie|mazowieckie|opolskie|podkarpackie|podlaskie|pomorskie|śląskie|świętokrzyskie|warmińsko-mazurskie|wielkopolskie|zachodniopomorskie"),
			stateAbbr:   t("DS|KP|LU|LB|LD|MA|MZ|OP|PK|PD|PM|SL|SK|WN|WP|ZP"),
			postcodeFmt: "##-###",
			phoneFmts:   []string{"+48 ### ### ###", "### ### ###", "+48 ## ### ## ##"},
			countryCode: "PL",
		},
		"ru": {
			first:       t("Александр|Сергей|Дмитрий|Андрей|Алексей|Максим|Евгений|Иван|Михаил|Николай|Владимир|Артём|Павел|Никита|Олег|Анна|Мария|Елена|Ольга|Наталья|Татьяна|Ирина|Екатерина|Светлана|Юлия|Анастасия|Дарья|Ксения|Виктория|Полина"),
			last:        t("Иванов|Смирнов|Кузнецов|Попов|Васильев|Петров|Соколов|Михайлов|Новиков|Фёдоров|Морозов|Волков|Алексеев|Лебедев|Семёнов|Егоров|Павлов|Козлов|Степанов|Николаев|Орлов|Андреев|Макаров|Никитин|Захаров|Зайцев|Соловьёв|Борисов|Яковлев|Григорьев"),
			city:        t("Москва|Санкт-Петербург|Новосибирск|Екатеринбург|Казань|Нижний Новгород|Челябинск|Самара|Омск|Ростов-на-Дону|Уфа|Красноярск|Воронеж|Пермь|Волгоград|Краснодар|Саратов|Тюмень|Тольятти|Ижевск"),
			street:      t("ул. Ленина|ул. Советская|ул. Мира|ул. Молодёжная|ул. Центральная|ул. Школьная|ул. Садовая|ул. Лесная|ул. Новая|ул. Набережная|пр. Победы|ул. Гагарина"),
			state:       t("Московская область|Ленинградская область|Новосибирская область|Свердловская область|Республика Татарстан|Нижегородская область|Челябинская область|Самарская область|Омская область|Ростовская область|Краснодарский край|Красноярский край|Пермский край|Воронежская область|Волгоградская область"),
			stateAbbr:   t("MOS|LEN|NVS|SVE|TA|NIZ|CHE|SAM|OMS|ROS|KDA|KYA|PER|VOR|VGG"),
			postcodeFmt: "######",
			phoneFmts:   []string{"+7 (9##) ###-##-##", "8 (9##) ###-##-##", "+7 (4##) ###-##-##", "+79#########"},
			countryCode: "RU",
		},
		"ja": {
			first:       t("陽翔|蓮|湊|大翔|悠真|樹|颯真|翔太|健太|大輝|拓海|翔|直樹|誠|浩|陽葵|凛|結菜|芽依|葵|美咲|さくら|結衣|愛|真由美|恵|陽子|裕子|明美|花子"),
			last:        t("佐藤|鈴木|高橋|田中|伊藤|渡辺|山本|中村|小林|加藤|吉田|山田|佐々木|山口|松本|井上|木村|林|斎藤|清水|山崎|森|池田|橋本|阿部|石川|山下|中島|石井|小川"),
			city:        t("東京|横浜市|大阪市|名古屋市|札幌市|福岡市|神戸市|川崎市|京都市|さいたま市|広島市|仙台市|千葉市|北九州市|堺市|浜松市|新潟市|熊本市|相模原市|岡山市"),
			street:      t("中央通り|本町|栄町|緑町|旭町|若葉台|桜木町|新町|元町|駅前通り"),
			state:       t("北海道|青森県|宮城県|東京都|神奈川県|埼玉県|千葉県|愛知県|静岡県|大阪府|京都府|兵庫県|広島県|福岡県|沖縄県"),
			stateAbbr:   t("HK|AO|MG|TK|KN|ST|CB|AC|SZ|OS|KY|HG|HS|FO|OK"),
			postcodeFmt: "###-####",
			phoneFmts:   []string{"0#-####-####", "0##-###-####", "090-####-####", "080-####-####", "+81-#-####-####"},
			countryCode: "JP",
			familyFirst: true,
		},
		"zh": {
			first:       t("伟|芳|娜|秀英|敏|静|丽|强|磊|军|洋|勇|艳|杰|娟|涛|明|超|秀兰|霞|平|刚|桂英|建华|文|华|鑫|晨|宇|婷"),
			last:        t("王|李|张|刘|陈|杨|黄|赵|吴|周|徐|孙|马|朱|胡|郭|何|高|林|罗|郑|梁|谢|宋|唐|许|韩|冯|邓|曹"),
			city:        t("北京|上海|广州|深圳|天津|重庆|成都|武汉|杭州|南京|西安|苏州|郑州|长沙|沈阳|青岛|宁波|东莞|无锡|昆明"),
			street:      t("人民路|解放路|中山路|建设路|和平路|新华路|长江路|黄河路|文化路|胜利路"),
			state:       t("北京市|上海市|天津市|重庆市|河北省|山西省|辽宁省|吉林省|江苏省|浙江省|安徽省|福建省|江西省|山东省|河南省|湖北省|湖南省|广东省|四川省|云南省"),
			stateAbbr:   t("BJ|SH|TJ|CQ|HE|SX|LN|JL|JS|ZJ|AH|FJ|JX|SD|HA|HB|HN|GD|SC|YN"),
			postcodeFmt: "######",
			phoneFmts:   []string{"13#########", "15#########", "18#########", "+86 1## #### ####"},
			countryCode: "CN",
			familyFirst: true,
		},
	}
}

// resolveLocale maps a locale code as users write it (en, en_US, de-DE,
// ru_RU, pt_BR, ...) to the data the package has for it: an exact match,
// then the language part, then English.
func (t *tables) resolveLocale(code string) (*localeData, string) {
	c := strings.ToLower(strings.ReplaceAll(code, "-", "_"))
	if l, ok := t.locales[c]; ok {
		return l, c
	}
	lang, _, _ := strings.Cut(c, "_")
	if l, ok := t.locales[lang]; ok {
		return l, lang
	}
	return t.locales["en"], "en"
}
